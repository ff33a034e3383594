package io.attache.controlplane.interop;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one ADS bootstrap the interop ITs start in-process Attaché proxies from: a node, an admin
 * endpoint on a free port, LDS and CDS over ADS to the control plane at {@code xdsPort}, and — when
 * a token is given — the {@code authorization: Bearer} initial metadata a node proves its identity
 * with. A stock Envoy takes the same text. Builds text only; starts nothing.
 */
final class MeshBootstraps {

  private MeshBootstraps() {}

  /**
   * @param apiType {@code GRPC} (state of the world) or {@code DELTA_GRPC}
   * @param metadata node metadata, in order (e.g. the {@code attache.*_port} sidecar keys)
   * @param bearerToken a bootstrap token issued through REST, or empty for none
   */
  static String ads(
      String nodeId,
      String cluster,
      String apiType,
      Map<String, ?> metadata,
      String bearerToken,
      int xdsPort) {
    return ads(nodeId, cluster, apiType, metadata, bearerToken, xdsPort, 0);
  }

  /** As above, with the admin endpoint on {@code adminPort} of 127.0.0.1 (0: a free one). */
  static String ads(
      String nodeId,
      String cluster,
      String apiType,
      Map<String, ?> metadata,
      String bearerToken,
      int xdsPort,
      int adminPort) {
    StringBuilder yaml = new StringBuilder();
    yaml.append("node:\n  id: ")
        .append(nodeId)
        .append("\n  cluster: ")
        .append(cluster)
        .append('\n');
    if (!metadata.isEmpty()) {
      yaml.append("  metadata:\n");
      metadata.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(v).append('\n'));
    }
    yaml.append(
        """
            admin: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
            dynamic_resources:
              ads_config:
                api_type: %s
                transport_api_version: V3
                grpc_services:
                - envoy_grpc: { cluster_name: xds }
            """
            .formatted(adminPort, apiType));
    if (!bearerToken.isEmpty()) {
      yaml.append("      initial_metadata: [{ key: authorization, value: \"Bearer ")
          .append(bearerToken)
          .append("\" }]\n");
    }
    yaml.append(
        """
          lds_config: { ads: {}, resource_api_version: V3 }
          cds_config: { ads: {}, resource_api_version: V3 }
        static_resources:
          clusters:
          - name: xds
            type: STATIC
            connect_timeout: 1s
            http2_protocol_options: {}
            load_assignment:
              cluster_name: xds
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
            .formatted(xdsPort));
    return yaml.toString();
  }

  /** Sidecar metadata for a proxy that only calls out: its outbound listener on loopback. */
  static Map<String, Object> outboundOnly(int outboundPort) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("attache.outbound_address", "127.0.0.1");
    metadata.put("attache.outbound_port", outboundPort);
    return metadata;
  }

  /** Sidecar metadata for a proxy in front of an app: outbound, inbound and the app's port. */
  static Map<String, Object> sidecarPorts(int outboundPort, int inboundPort, int appPort) {
    Map<String, Object> metadata = outboundOnly(outboundPort);
    metadata.put("attache.inbound_address", "127.0.0.1");
    metadata.put("attache.inbound_port", inboundPort);
    metadata.put("attache.app_port", appPort);
    return metadata;
  }
}
