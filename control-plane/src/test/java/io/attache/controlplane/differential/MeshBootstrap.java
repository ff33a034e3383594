package io.attache.controlplane.differential;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;

/**
 * The bootstrap both data planes start from: the same node cluster and metadata, so the control
 * plane puts them in the same node group and sends them the same resources; only the ports differ
 * from run to run. The admin port is 0: each data plane reports the one the kernel picked. Renders
 * YAML only; it must never start anything.
 */
public record MeshBootstrap(String nodeId, String nodeCluster, int outboundPort, int xdsPort) {

  /** The node cluster of every differential run: one node group for both data planes. */
  public static final String NODE_CLUSTER = "differential";

  public static MeshBootstrap forControlPlane(String nodeId, int xdsPort) {
    return new MeshBootstrap(nodeId, NODE_CLUSTER, freePort(), xdsPort);
  }

  public String yaml() {
    try (InputStream in = getClass().getResourceAsStream("/differential/ads-bootstrap.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("${NODE_ID}", nodeId)
          .replace("${NODE_CLUSTER}", nodeCluster)
          .replace("${OUTBOUND_PORT}", Integer.toString(outboundPort))
          .replace("${XDS_PORT}", Integer.toString(xdsPort));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
