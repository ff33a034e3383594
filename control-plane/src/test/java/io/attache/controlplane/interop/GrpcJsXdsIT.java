package io.attache.controlplane.interop;

import io.attache.controlplane.interop.matrix.InteropColumn;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * grpc-js-xds (Node, versions pinned in interop/grpc-js/package-lock.json, installed by the Maven
 * build with {@code npm ci}) as a proxyless client of the real control plane: every {@link
 * XdsClientScenarios} scenario. Without node and npm the build fails — it never skips.
 */
class GrpcJsXdsIT extends XdsClientScenarios {

  @Override
  public InteropColumn column() {
    return InteropColumn.GRPC_JS;
  }

  @BeforeEach
  void startClient(TestInfo test) throws Exception {
    String nodeId = nodeId(test);
    Path bootstrap =
        ProxylessBootstrap.write(dir, nodeId, "interop-grpc-js", controlPlane.xdsPort());
    client =
        LineProtocolClient.start(
            column(),
            nodeId,
            bootstrap,
            List.of("node", InteropPrograms.grpcJsClient().toString()),
            dir);
  }
}
