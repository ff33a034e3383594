package io.attache.controlplane.interop;

import static org.awaitility.Awaitility.await;

import io.attache.controlplane.interop.matrix.InteropColumn;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * The Attaché proxy (in-process, mesh mode: SotW ADS to the real control plane) as a column of the
 * interop matrix: a plain grpc-java client calls each target through the proxy's outbound listener
 * with {@code :authority <target>}, and every {@link XdsClientScenarios} scenario must hold as it
 * does for a proxyless client.
 */
class AttacheProxyScenariosIT extends XdsClientScenarios {

  @Override
  public InteropColumn column() {
    return InteropColumn.ATTACHE;
  }

  @BeforeEach
  void startClient(TestInfo test) throws Exception {
    String nodeId = nodeId(test);
    int outbound = ChildProcess.freePort();
    ProxyServer proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    nodeId,
                    "interop-attache",
                    "GRPC",
                    MeshBootstraps.outboundOnly(outbound),
                    "",
                    controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1)));
    await().atMost(Duration.ofSeconds(30)).until(() -> ChildProcess.accepts(outbound));
    client =
        GrpcJavaClient.through(
            column(),
            "Attaché proxy (this repository)",
            nodeId,
            outbound,
            () -> proxy.drainAndStop(Duration.ZERO));
  }
}
