package io.attache.dataplane.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.outlier.OutlierDetector;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ActiveHealthCheckerTest {
  private static final String H1 = "10.0.0.1:8080";
  private static final String H2 = "10.0.0.2:8080";

  private final StatsStore stats = new StatsStore();
  private final VirtualTime time = new VirtualTime();
  private final ScriptedRandom checkerRandom = new ScriptedRandom();
  private final FakeProbe probe = new FakeProbe();
  private ClusterManager manager;
  private UpstreamCluster cluster;
  private ActiveHealthChecker checker;

  static Cluster.Builder cluster(int hosts, HealthCheck.Builder check) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (int i = 1; i <= hosts; i++) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress("10.0.0." + i)
                                      .setPortValue(8080)))));
    }
    return Cluster.newBuilder()
        .setName("backend")
        .setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().addEndpoints(locality))
        .addHealthChecks(check);
  }

  static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  static HealthCheck.Builder check() {
    return HealthCheck.newBuilder()
        .setTimeout(seconds(1))
        .setInterval(seconds(5))
        .setUnhealthyThreshold(UInt32Value.of(2))
        .setHealthyThreshold(UInt32Value.of(2))
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/healthz"));
  }

  private void start(Cluster.Builder proto) throws ConfigException {
    manager =
        ClusterManager.create(
            List.of(proto.build()),
            "static_resources.clusters",
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(5)));
    manager.start();
    cluster = manager.cluster("backend").orElseThrow();
    checker =
        ActiveHealthChecker.start(
            cluster,
            HealthCheckConfig.from(proto.getHealthChecks(0), "hc"),
            new UpstreamContext(stats, new FakeDnsResolver(), time, checkerRandom),
            probe);
  }

  private Host host(String address) {
    return cluster.prioritySet().allHosts().stream()
        .filter(h -> h.addressString().equals(address))
        .findFirst()
        .orElseThrow();
  }

  private boolean failed(String address) {
    return host(address).healthFlags().get(HealthFlag.FAILED_ACTIVE_HC);
  }

  private long counter(String stat) {
    return stats.counter("cluster.backend.health_check." + stat).value();
  }

  private long gauge(String stat) {
    return stats.gauge("cluster.backend.health_check." + stat).value();
  }

  /** Marks the cluster as having carried traffic, so the regular intervals apply. */
  private void withTraffic() {
    cluster.stats().upstreamCxTotal().inc();
  }

  /** Runs the next due interval timer: a check starts on every host due then. */
  private void nextCheck() {
    time.runNext();
  }

  @AfterEach
  void noTimerOutlivesTheChecker() {
    if (checker != null) {
      checker.close();
      manager.close();
      assertThat(time.pending()).as("%s", time).isEmpty();
      assertThat(checkerRandom.remaining()).isZero();
    }
  }

  @Test
  void checksEveryHostAtOnceAndTrustsTheFirstPass() throws ConfigException {
    start(cluster(2, check()));

    assertThat(failed(H1)).as("unhealthy until checked").isTrue();
    assertThat(time.pendingDelays()).containsExactly(Duration.ZERO, Duration.ZERO);
    nextCheck();
    assertThat(probe.events()).containsExactly("check " + H1, "check " + H2);
    assertThat(counter("attempt")).isEqualTo(2);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));

    assertThat(checker.initialized()).isNotDone();
    probe.complete(H1, ProbeOutcome.HEALTHY);

    assertThat(failed(H1)).as("healthy_threshold is not needed for the first check").isFalse();
    assertThat(failed(H2)).isTrue();
    assertThat(counter("success")).isEqualTo(1);
    assertThat(gauge("healthy")).isEqualTo(1);
    // No traffic yet: the next check of a healthy host waits no_traffic_healthy_interval (60 s).
    assertThat(time.pending())
        .extracting(VirtualTime.Task::delay)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(60));
    assertThat(checker.initialized()).as("waits for every host's first check").isNotDone();
    probe.complete(H2, ProbeOutcome.NETWORK_FAILURE);
    assertThat(checker.initialized()).isDone();
  }

  @Test
  void anUnexpectedStatusFailsAtOnceButNetworkFailuresNeedTheThreshold() throws ConfigException {
    start(
        cluster(1, check().setUnhealthyEdgeInterval(seconds(2)).setUnhealthyInterval(seconds(3))));
    withTraffic();
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(5));

    nextCheck();
    probe.complete(H1, ProbeOutcome.NETWORK_FAILURE);
    assertThat(failed(H1)).as("1 of 2 network failures").isFalse();
    assertThat(time.pendingDelays())
        .as("unhealthy_edge_interval")
        .containsExactly(Duration.ofSeconds(2));
    nextCheck();
    probe.complete(H1, ProbeOutcome.NETWORK_FAILURE);
    assertThat(failed(H1)).isTrue();
    assertThat(time.pendingDelays())
        .as("unhealthy_interval")
        .containsExactly(Duration.ofSeconds(3));
    assertThat(counter("network_failure")).isEqualTo(2);

    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(failed(H1)).as("1 of 2 passes").isTrue();
    assertThat(time.pendingDelays())
        .as("healthy_edge_interval = interval")
        .containsExactly(Duration.ofSeconds(5));
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(failed(H1)).isFalse();

    nextCheck();
    probe.complete(H1, ProbeOutcome.UNHEALTHY);
    assertThat(failed(H1)).as("a 503 fails the host at once").isTrue();
    assertThat(counter("failure")).isEqualTo(3);
    assertThat(counter("network_failure")).isEqualTo(2);
  }

  @Test
  void retriableStatusesCountTowardsTheThreshold() throws ConfigException {
    start(cluster(1, check()));
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);

    nextCheck();
    probe.complete(H1, ProbeOutcome.UNHEALTHY_RETRIABLE);
    assertThat(failed(H1)).isFalse();
    nextCheck();
    probe.complete(H1, ProbeOutcome.UNHEALTHY_RETRIABLE);

    assertThat(failed(H1)).isTrue();
    assertThat(counter("network_failure")).isZero();
  }

  @Test
  void aTimeoutAbortsTheProbeAndMarksTheTimeout() throws ConfigException {
    start(cluster(1, check().setUnhealthyThreshold(UInt32Value.of(1))));
    withTraffic();
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);

    nextCheck();
    time.advance(Duration.ofSeconds(1));

    assertThat(probe.events()).endsWith("check " + H1, "abort " + H1);
    assertThat(failed(H1)).isTrue();
    assertThat(host(H1).healthFlags().get(HealthFlag.ACTIVE_HC_TIMEOUT)).isTrue();
    assertThat(counter("network_failure")).isEqualTo(1);

    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(host(H1).healthFlags().snapshot()).isEmpty();
  }

  @Test
  void aLateAnswerAfterTheTimeoutIsIgnored() throws ConfigException {
    start(cluster(1, check()));
    nextCheck();
    time.advance(Duration.ofSeconds(1));

    assertThat(probe.inFlight(H1)).as("aborted").isFalse();
    assertThat(counter("failure")).isEqualTo(1);
    assertThat(counter("success")).isZero();
  }

  @Test
  void addsBothJittersToTheInterval() throws ConfigException {
    checkerRandom.then(123, 456);
    start(cluster(1, check().setIntervalJitter(seconds(1)).setIntervalJitterPercent(10)));
    withTraffic();
    nextCheck();

    probe.complete(H1, ProbeOutcome.HEALTHY);

    // 5000 ms + (draw % (10% of 5000)) + (draw % 1000).
    assertThat(checkerRandom.draws()).containsExactly("nextLong(500)=123", "nextLong(1000)=456");
    assertThat(time.pendingDelays()).containsExactly(Duration.ofMillis(5000 + 123 + 456));
  }

  @Test
  void initialJitterDelaysTheFirstCheck() throws ConfigException {
    checkerRandom.then(700);
    start(cluster(1, check().setInitialJitter(seconds(2))));

    assertThat(time.pendingDelays()).containsExactly(Duration.ofMillis(700));
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
  }

  @Test
  void aDegradedAnswerMakesTheHostDegraded() throws ConfigException {
    start(cluster(1, check()));
    nextCheck();

    probe.complete(H1, ProbeOutcome.DEGRADED);

    assertThat(host(H1).healthFlags().snapshot()).containsExactly(HealthFlag.DEGRADED_ACTIVE_HC);
    assertThat(host(H1).coarseHealth()).isEqualTo(HostHealth.DEGRADED);
    assertThat(gauge("degraded")).isEqualTo(1);
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(host(H1).coarseHealth()).isEqualTo(HostHealth.HEALTHY);
  }

  @Test
  void anImmediateFailFromTheDataPathExcludesTheHostUntilItPasses() throws ConfigException {
    start(cluster(1, check()));
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);

    checker.setUnhealthy(host(H1));

    assertThat(host(H1).healthFlags().snapshot())
        .containsExactly(HealthFlag.FAILED_ACTIVE_HC, HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
    assertThat(counter("passive_failure")).isEqualTo(1);
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    assertThat(host(H1).healthFlags().snapshot()).isEmpty();
  }

  @Test
  void aPassingCheckUnejectsAnOutlierAsInEnvoy() throws ConfigException {
    start(
        cluster(2, check())
            .setOutlierDetection(
                OutlierDetection.newBuilder()
                    .setMaxEjectionPercent(UInt32Value.of(100))
                    .setBaseEjectionTime(seconds(600))));
    OutlierDetector detector =
        OutlierDetector.create(
            cluster,
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(1)),
            time);
    checker.addHostCheckListener(
        (host, transition, passed) -> detector.onActiveHealthCheck(host, passed));
    List<String> seen = new ArrayList<>();
    checker.addHostCheckListener(
        (host, transition, passed) ->
            seen.add(host.addressString() + " " + transition + " " + passed));
    nextCheck();
    probe.complete(H1, ProbeOutcome.HEALTHY);
    probe.complete(H2, ProbeOutcome.HEALTHY);
    for (int i = 0; i < 5; i++) {
      detector.monitor(host(H1)).putHttpResponseCode(500);
    }
    assertThat(host(H1).healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK)).isTrue();

    time.advance(Duration.ofSeconds(60));
    assertThat(host(H1).healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK))
        .as("600 s ejection, 60 s later")
        .isTrue();
    probe.complete(H1, ProbeOutcome.HEALTHY);

    assertThat(host(H1).healthFlags().snapshot()).isEmpty();
    assertThat(seen)
        .containsExactly(H1 + " CHANGED true", H2 + " CHANGED true", H1 + " UNCHANGED true");
    probe.complete(H2, ProbeOutcome.HEALTHY);
    detector.close();
  }

  @Test
  void closingStopsEveryTimerAndConnection() throws ConfigException {
    start(cluster(2, check()));
    nextCheck();

    checker.close();

    assertThat(time.pending()).isEmpty();
    assertThat(probe.events()).contains("close " + H1, "close " + H2);
  }
}
