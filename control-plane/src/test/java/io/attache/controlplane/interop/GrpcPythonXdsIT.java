package io.attache.controlplane.interop;

import io.attache.controlplane.interop.matrix.InteropColumn;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * gRPC C-core through Python's grpcio (pinned in interop/grpc-python/requirements.txt, installed by
 * the Maven build into a venv outside the source tree) as a proxyless client of the real control
 * plane: {@code xds:///} targets with GRPC_XDS_BOOTSTRAP, every {@link XdsClientScenarios}
 * scenario.
 */
class GrpcPythonXdsIT extends XdsClientScenarios {

  @Override
  public InteropColumn column() {
    return InteropColumn.GRPC_CORE_PYTHON;
  }

  @BeforeEach
  void startClient(TestInfo test) throws Exception {
    String nodeId = nodeId(test);
    Path bootstrap =
        ProxylessBootstrap.write(dir, nodeId, "interop-grpc-python", controlPlane.xdsPort());
    client =
        LineProtocolClient.start(
            column(),
            nodeId,
            bootstrap,
            List.of(
                InteropPrograms.grpcPython().toString(),
                InteropPrograms.grpcPythonClient().toString()),
            dir);
  }
}
