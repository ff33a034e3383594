package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-user JWT with our own parts: request_authentication and token conditions written through
 * REST, translated to a jwt_authn instance, a JWKS fetch cluster and RBAC metadata matchers, pushed
 * over ADS to an Attaché sidecar, enforced on real sockets against a real JWKS server (see {@link
 * EndUserJwtScenario}; StockEnvoyIT runs the same scenario on stock Envoy).
 */
class RequestAuthenticationMeshIT {

  private InteropControlPlane controlPlane;
  private EndUserJwtScenario scenario;
  private ProxyServer proxy;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    scenario = EndUserJwtScenario.start();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    scenario.close();
    controlPlane.close();
  }

  @Test
  void anAttacheSidecarRefusesBadTokensWith401AndRequiresAPrincipalOnlyWhereAPolicySaysSo()
      throws Exception {
    int inboundPort = ChildProcess.freePort();
    controlPlane.put("/api/v1/services/payments", scenario.service());
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    "payments-1",
                    "payments",
                    "DELTA_GRPC",
                    MeshBootstraps.sidecarPorts(
                        ChildProcess.freePort(), inboundPort, scenario.appPort()),
                    "",
                    controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1)));

    scenario.run(inboundPort, controlPlane);
    assertThat(proxy.stats().counters().get("http.inbound.jwt_authn.request_authn.denied").value())
        .isEqualTo(EndUserJwtScenario.REFUSED_TOKENS);
  }
}
