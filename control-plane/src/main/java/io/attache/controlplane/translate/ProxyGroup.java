package io.attache.controlplane.translate;

import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Locale;

/**
 * The node group a snapshot is built for: every node with the same {@code node.cluster}, client
 * kind, sidecar layout (its listener ports, see {@link Sidecar}) and authenticated identity
 * receives the same resources. The identity is part of the key because SDS secrets are in the
 * snapshot: a group's secrets are those of its identity, so a node only ever shares a snapshot with
 * nodes that proved the same identity. Derived from the node alone, so it never depends on
 * connection order.
 */
public record ProxyGroup(String cluster, ClientKind kind, Sidecar sidecar, String identity) {

  /** Metadata key a node may set to true to declare itself a proxyless gRPC client. */
  public static final String PROXYLESS_METADATA_KEY = "attache.proxyless";

  /**
   * Metadata key holding the SPIFFE ID the xDS server authenticated for the stream. Written only by
   * the server's authenticator, which overwrites or removes whatever a client sent under it.
   */
  public static final String AUTHENTICATED_IDENTITY_METADATA_KEY = "attache.authenticated_identity";

  /** The node.user_agent_name the Attaché proxy announces itself with. */
  public static final String ATTACHE_USER_AGENT = "attache";

  /** The identity of a group whose nodes proved none: such a group has no secrets. */
  public static final String NO_IDENTITY = "";

  /** A group with the default sidecar layout (outbound 0.0.0.0:15001, no inbound listener). */
  public ProxyGroup(String cluster, ClientKind kind) {
    this(cluster, kind, Sidecar.DEFAULT);
  }

  public ProxyGroup(String cluster, ClientKind kind, Sidecar sidecar) {
    this(cluster, kind, sidecar, NO_IDENTITY);
  }

  public static ProxyGroup of(Node node) {
    ClientKind kind = kindOf(node);
    Sidecar sidecar = kind.isProxy() ? Sidecar.of(node.getMetadata()) : Sidecar.DEFAULT;
    return new ProxyGroup(node.getCluster(), kind, sidecar, authenticatedIdentity(node));
  }

  /** The SPIFFE ID the server authenticated for the node's stream, or {@link #NO_IDENTITY}. */
  public static String authenticatedIdentity(Node node) {
    Value value = node.getMetadata().getFieldsOrDefault(AUTHENTICATED_IDENTITY_METADATA_KEY, null);
    return value != null && value.getKindCase() == Value.KindCase.STRING_VALUE
        ? value.getStringValue()
        : NO_IDENTITY;
  }

  public boolean hasIdentity() {
    return !identity.isEmpty();
  }

  private static ClientKind kindOf(Node node) {
    // gRPC's xDS clients announce themselves as "gRPC Java", "gRPC Go", "gRPC C-core", ...
    boolean grpcAgent = node.getUserAgentName().toLowerCase(Locale.ROOT).startsWith("grpc");
    boolean declared =
        node.getMetadata().getFieldsOrDefault(PROXYLESS_METADATA_KEY, null) != null
            && node.getMetadata().getFieldsOrThrow(PROXYLESS_METADATA_KEY).getBoolValue();
    if (grpcAgent || declared) {
      return ClientKind.PROXYLESS_GRPC;
    }
    return node.getUserAgentName().equals(ATTACHE_USER_AGENT)
        ? ClientKind.ATTACHE_PROXY
        : ClientKind.PROXY;
  }

  @Override
  public String toString() {
    String base = cluster + "/" + kind.name().toLowerCase(Locale.ROOT);
    String placed = sidecar.equals(Sidecar.DEFAULT) ? base : base + "@" + sidecar;
    return hasIdentity() ? placed + " as " + identity : placed;
  }
}
