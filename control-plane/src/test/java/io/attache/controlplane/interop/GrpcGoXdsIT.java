package io.attache.controlplane.interop;

import io.attache.controlplane.interop.matrix.InteropColumn;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * grpc-go's xDS client (google.golang.org/grpc/xds, version pinned in interop/grpc-go/go.sum) as a
 * proxyless client of the real control plane: the program in interop/grpc-go, built by the Maven
 * build with the machine's go, runs every {@link XdsClientScenarios} scenario.
 */
class GrpcGoXdsIT extends XdsClientScenarios {

  @Override
  public InteropColumn column() {
    return InteropColumn.GRPC_GO;
  }

  @BeforeEach
  void startClient(TestInfo test) throws Exception {
    String nodeId = nodeId(test);
    Path bootstrap =
        ProxylessBootstrap.write(dir, nodeId, "interop-grpc-go", controlPlane.xdsPort());
    client =
        LineProtocolClient.start(
            column(), nodeId, bootstrap, List.of(InteropPrograms.grpcGoClient().toString()), dir);
  }
}
