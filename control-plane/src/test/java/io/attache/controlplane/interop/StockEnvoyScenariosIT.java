package io.attache.controlplane.interop;

import static org.awaitility.Awaitility.await;

import io.attache.controlplane.interop.matrix.InteropColumn;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stock Envoy (the binary the build installs, see {@link StockEnvoyExtension}; a missing one
 * fails) as a column of the interop matrix: fed over ADS by the real control plane, with a plain
 * grpc-java client calling each target through Envoy's outbound listener with {@code :authority
 * <target>}. Every {@link XdsClientScenarios} scenario must hold as it does for a proxyless client.
 */
@ExtendWith(StockEnvoyExtension.class)
class StockEnvoyScenariosIT extends XdsClientScenarios {

  @Override
  public InteropColumn column() {
    return InteropColumn.ENVOY;
  }

  @BeforeEach
  void startClient(TestInfo test, Envoy envoy) throws Exception {
    String nodeId = nodeId(test);
    int outbound = ChildProcess.freePort();
    String bootstrap;
    try (InputStream in = getClass().getResourceAsStream("/interop/envoy-ads-bootstrap.yaml")) {
      bootstrap =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("${NODE_ID}", nodeId)
              .replace("${NODE_CLUSTER}", "interop-envoy")
              .replace("${OUTBOUND_PORT}", Integer.toString(outbound))
              .replace("${XDS_PORT}", Integer.toString(controlPlane.xdsPort()));
    }
    RunningEnvoy running = envoy.start(nodeId, bootstrap, dir.resolve("envoy"));
    await().atMost(Duration.ofSeconds(30)).until(() -> ChildProcess.accepts(outbound));
    client =
        GrpcJavaClient.through(column(), "Envoy " + envoy.version(), nodeId, outbound, running);
  }

  /**
   * Envoy implements MAGLEV, so its bad cluster is one Envoy itself refuses on arrival: a Maglev
   * table size that is not prime (the API accepts it: Envoy's proto rules only bound it). It is a
   * raw cluster of its own, which Envoy receives with every other (wildcard CDS), next to the
   * service's working one.
   */
  @Override
  void makeUnhonourable(String service, TestBackend backend) {
    controlPlane.put(
        "/api/v1/raw/clusters/" + service + "-maglev",
        """
        {"name": "%s-maglev", "type": "STATIC", "lb_policy": "MAGLEV",
         "maglev_lb_config": {"table_size": 4},
         "load_assignment": {"cluster_name": "%s-maglev", "endpoints": [{"lb_endpoints": [
           {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1",
                                                        "port_value": %d}}}}]}]}}"""
            .formatted(service, service, backend.port()));
  }
}
