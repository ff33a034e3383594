package io.attache.controlplane.translate;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Locale;

/**
 * The node group a snapshot is built for: every node with the same {@code node.cluster}, client
 * kind and sidecar layout (its listener ports, see {@link Sidecar}) receives the same resources.
 * Derived from the node alone, so it never depends on connection order.
 */
public record ProxyGroup(String cluster, ClientKind kind, Sidecar sidecar) {

  /** Metadata key a node may set to true to declare itself a proxyless gRPC client. */
  public static final String PROXYLESS_METADATA_KEY = "attache.proxyless";

  /** A group with the default sidecar layout (outbound 0.0.0.0:15001, no inbound listener). */
  public ProxyGroup(String cluster, ClientKind kind) {
    this(cluster, kind, Sidecar.DEFAULT);
  }

  public static ProxyGroup of(Node node) {
    ClientKind kind = kindOf(node);
    Sidecar sidecar = kind == ClientKind.PROXY ? Sidecar.of(node.getMetadata()) : Sidecar.DEFAULT;
    return new ProxyGroup(node.getCluster(), kind, sidecar);
  }

  private static ClientKind kindOf(Node node) {
    // gRPC's xDS clients announce themselves as "gRPC Java", "gRPC Go", "gRPC C-core", ...
    boolean grpcAgent = node.getUserAgentName().toLowerCase(Locale.ROOT).startsWith("grpc");
    boolean declared =
        node.getMetadata().getFieldsOrDefault(PROXYLESS_METADATA_KEY, null) != null
            && node.getMetadata().getFieldsOrThrow(PROXYLESS_METADATA_KEY).getBoolValue();
    return grpcAgent || declared ? ClientKind.PROXYLESS_GRPC : ClientKind.PROXY;
  }

  @Override
  public String toString() {
    String base = cluster + "/" + kind.name().toLowerCase(Locale.ROOT);
    return sidecar.equals(Sidecar.DEFAULT) ? base : base + "@" + sidecar;
  }
}
