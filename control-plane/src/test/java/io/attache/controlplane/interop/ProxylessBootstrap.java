package io.attache.controlplane.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The gRPC xDS bootstrap every proxyless client of the interop ITs reads (gRFC A27): the control
 * plane on 127.0.0.1 without TLS, SotW ADS over xDS v3, a node of its own. Writes text only.
 */
final class ProxylessBootstrap {

  private ProxylessBootstrap() {}

  static String json(String nodeId, String cluster, int xdsPort) {
    return """
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                          "server_features": ["xds_v3"]}],
         "node": {"id": "%s", "cluster": "%s", "locality": {"zone": "test"}}}
        """
        .formatted(xdsPort, nodeId, cluster);
  }

  /** {@code <dir>/<nodeId>-bootstrap.json}, for GRPC_XDS_BOOTSTRAP. */
  static Path write(Path dir, String nodeId, String cluster, int xdsPort) throws IOException {
    return Files.writeString(
        dir.resolve(nodeId + "-bootstrap.json"), json(nodeId, cluster, xdsPort));
  }
}
