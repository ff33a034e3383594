package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.xds.ProxyStatus;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The benchmark's simulated proxies against a real control plane, in their own JVM as the harness
 * runs them: the control plane must see every one of them ACK (never NACK) its initial config and
 * each round's new route configuration. Asserts what happened, never how fast.
 */
class SimulatedProxiesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  private final List<ProcessHandle> started = new ArrayList<>();

  @TempDir Path dataDir;

  @AfterEach
  void killChildren() {
    started.forEach(ProcessHandle::destroyForcibly);
  }

  @ParameterizedTest
  @EnumSource(Api.class)
  void everyProxyAcksItsInitialConfigAndEachRoundsRouteConfiguration(Api api) throws Exception {
    try (SystemScheduler scheduler = new SystemScheduler();
        ControlPlane controlPlane =
            ControlPlane.start(
                new ControlPlaneConfig(
                    "127.0.0.1",
                    0,
                    "127.0.0.1",
                    0,
                    dataDir,
                    Duration.ofMillis(10),
                    Duration.ofMillis(50)),
                scheduler,
                Clock.systemUTC())) {
      AdminWriter rest = new AdminWriter(controlPlane.httpPort());
      rest.putService(0, 2);
      rest.putService(1, 1);
      try (SimulatedProxiesProcess clients =
          SimulatedProxiesProcess.start(
              List.of("-Xmx128m"),
              List.of(
                  "--port=" + controlPlane.xdsPort(),
                  "--proxies=3",
                  "--api=" + api.label(),
                  "--proxies-per-connection=2",
                  "--node-groups=2"),
              started)) {
        clients.awaitReady(WAIT);
        Map<String, String> initialRoutes = ackedRouteVersions(controlPlane);
        assertThat(initialRoutes).containsOnlyKeys("bench-0", "bench-1", "bench-2");
        assertThat(initialRoutes.values()).doesNotContain("");
        assertThat(controlPlane.proxies().proxy("bench-0").orElseThrow().types())
            .containsKeys(
                Resources.V3.CLUSTER_TYPE_URL,
                Resources.V3.ENDPOINT_TYPE_URL,
                Resources.V3.LISTENER_TYPE_URL,
                RDS);

        for (int round = 0; round < 2; round++) {
          Map<String, String> before = ackedRouteVersions(controlPlane);
          clients.arm(WAIT);
          long writeStart = System.nanoTime();
          rest.putDefaultsForRound(round);
          long lastAck = clients.awaitLastAck(WAIT);

          assertThat(lastAck).isGreaterThan(writeStart);
          await()
              .atMost(WAIT)
              .untilAsserted(
                  () ->
                      ackedRouteVersions(controlPlane)
                          .forEach(
                              (node, version) ->
                                  assertThat(version).isNotEqualTo(before.get(node))));
        }
        assertThat(controlPlane.proxies().nackCount()).isZero();
      }
    }
  }

  private static Map<String, String> ackedRouteVersions(ControlPlane controlPlane) {
    Map<String, String> versions = new java.util.TreeMap<>();
    for (ProxyStatus proxy : controlPlane.proxies().proxies()) {
      ProxyStatus.TypeStatus routes = proxy.types().get(RDS);
      versions.put(proxy.nodeId(), routes == null ? "" : routes.lastAckedVersion());
    }
    return versions;
  }
}
