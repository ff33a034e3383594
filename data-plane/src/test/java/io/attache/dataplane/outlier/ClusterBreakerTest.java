package io.attache.dataplane.outlier;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.outlier.BreakerGate.Admission;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.type.v3.Percent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterBreakerTest {
  private static final Instant WALL = Instant.parse("2026-01-02T03:04:05Z");

  private final StatsStore stats = new StatsStore();
  private final VirtualTime time = new VirtualTime();
  private final Clock clock = Clock.fixed(WALL, ZoneOffset.UTC);
  private ClusterManager manager;
  private OutlierDetector detector = OutlierDetector.NONE;

  @AfterEach
  void noTimerOutlivesTheTest() {
    detector.close();
    if (manager != null) {
      manager.close();
    }
    assertThat(time.pending()).as("%s", time).isEmpty();
  }

  private static Metadata metadata(String json) throws Exception {
    Struct.Builder attache = Struct.newBuilder();
    JsonFormat.parser().merge(json, attache);
    return Metadata.newBuilder()
        .putFilterMetadata(StrictBreakerConfig.FILTER_METADATA_KEY, attache.build())
        .build();
  }

  private UpstreamCluster start(Cluster.Builder proto) throws ConfigException {
    manager =
        ClusterManager.create(
            List.of(proto.build()),
            "static_resources.clusters",
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(11)));
    manager.start();
    return manager.cluster("backend").orElseThrow();
  }

  private long counter(String transition) {
    return stats.counter("cluster.backend.attache.breaker_" + transition).value();
  }

  private long gauge() {
    return stats.gauge("cluster.backend.attache.breaker_state").value();
  }

  @Test
  void strictModeOpensAfterNFailuresAndLetsExactlyOneProbeThroughAfterTheSleepWindow()
      throws Exception {
    UpstreamCluster cluster =
        start(
            OutlierDetectorTest.cluster(2)
                .setMetadata(
                    metadata(
                        "{\"strict_half_open_breaker\": {\"failure_threshold\": 3,"
                            + " \"sleep_window\": \"10s\"}}")));
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);
    assertThat(breaker.strict()).isTrue();

    // CLOSED: failures count, a success resets the count.
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.ADMIT);
    breaker.onResult(false);
    breaker.onResult(false);
    breaker.onResult(true);
    breaker.onResult(false);
    breaker.onResult(false);
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    breaker.onResult(false);

    // CLOSED -> OPEN on the third consecutive failure.
    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    assertThat(gauge()).isEqualTo(1);
    assertThat(breaker.lastTransition())
        .isEqualTo(
            new ClusterBreaker.Transition(
                BreakerState.CLOSED, BreakerState.OPEN, time.nanoTime(), WALL));
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_OPEN);
    assertThat(breaker.remainingSleep()).isEqualTo(Duration.ofSeconds(10));

    time.advance(Duration.ofMillis(9_999));
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_OPEN);
    time.advance(Duration.ofMillis(1));

    // OPEN -> HALF_OPEN: exactly one probe, everything else fails fast.
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.ADMIT);
    assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
    assertThat(gauge()).isEqualTo(2);
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_PROBE_IN_FLIGHT);
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_PROBE_IN_FLIGHT);

    // The probe fails: OPEN again with the window reset.
    breaker.onResult(false);
    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    time.advance(Duration.ofSeconds(5));
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_OPEN);
    assertThat(breaker.remainingSleep()).isEqualTo(Duration.ofSeconds(5));
    time.advance(Duration.ofSeconds(5));
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.ADMIT);
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.REJECT_PROBE_IN_FLIGHT);

    // The probe succeeds: CLOSED, everything admitted.
    breaker.onResult(true);
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(gauge()).isZero();
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.ADMIT);
    assertThat(breaker.tryAdmit()).isEqualTo(Admission.ADMIT);

    assertThat(counter("closed_to_open")).isEqualTo(1);
    assertThat(counter("open_to_half_open")).isEqualTo(2);
    assertThat(counter("half_open_to_open")).isEqualTo(1);
    assertThat(counter("half_open_to_closed")).isEqualTo(1);
  }

  @Test
  void aLateFailureWhileOpenDoesNotRestartTheWindow() throws Exception {
    UpstreamCluster cluster =
        start(
            OutlierDetectorTest.cluster(1)
                .setMetadata(
                    metadata(
                        "{\"strict_half_open_breaker\": {\"failure_threshold\": 1,"
                            + " \"sleep_window\": \"2s\"}}")));
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);
    breaker.onResult(false);
    time.advance(Duration.ofSeconds(1));

    breaker.onResult(false);

    assertThat(breaker.remainingSleep()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void derivedModeFollowsEjectionsWhenPanicIsOff() throws ConfigException {
    UpstreamCluster cluster =
        start(
            OutlierDetectorTest.cluster(2)
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
                .setOutlierDetection(
                    OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(100))));
    detector =
        OutlierDetector.create(
            cluster,
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(1)),
            time);
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);
    assertThat(breaker.strict()).isFalse();
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);

    for (var host : cluster.prioritySet().allHosts()) {
      for (int i = 0; i < 5; i++) {
        detector.monitor(host).putHttpResponseCode(503);
      }
    }

    // Every host ejected and no panic: OPEN, and a pick finds nothing (503 UH, no network).
    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    assertThat(gauge()).isEqualTo(1);
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();
    assertThat(breaker.tryAdmit()).as("stock Envoy has no gate").isEqualTo(Admission.ADMIT);

    time.advance(Duration.ofSeconds(30));

    // The un-ejection is the probe: HALF_OPEN until a result comes back.
    assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
    breaker.onResult(false);
    assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
    breaker.onResult(true);
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(counter("closed_to_open")).isEqualTo(1);
    assertThat(counter("open_to_half_open")).isEqualTo(1);
    assertThat(counter("half_open_to_closed")).isEqualTo(1);
  }

  @Test
  void followsTheWorkedTimelineOfTheCircuitBreakingDoc() throws ConfigException {
    UpstreamCluster cluster =
        start(
            OutlierDetectorTest.cluster(2)
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
                .setOutlierDetection(
                    OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(100))));
    detector =
        OutlierDetector.create(
            cluster,
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(1)),
            time);
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);
    var a = cluster.prioritySet().allHosts().get(0);
    var b = cluster.prioritySet().allHosts().get(1);

    time.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      detector.monitor(a).putHttpResponseCode(503);
    }
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    time.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      detector.monitor(b).putHttpResponseCode(503);
    }
    assertThat(breaker.state()).as("at 2 s").isEqualTo(BreakerState.OPEN);

    time.advance(Duration.ofSeconds(37)); // sweeps at 10, 20, 30 s
    assertThat(breaker.state()).as("at 39 s").isEqualTo(BreakerState.OPEN);
    time.advance(Duration.ofSeconds(1)); // sweep at 40 s
    assertThat(breaker.state()).as("at 40 s").isEqualTo(BreakerState.HALF_OPEN);
    breaker.onResult(true);
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);

    time.advance(Duration.ofSeconds(1));
    for (int i = 0; i < 5; i++) {
      detector.monitor(b).putHttpResponseCode(503);
    }
    assertThat(((OutlierDetectorImpl) detector).monitorOf(b).ejectionTime())
        .isEqualTo(Duration.ofSeconds(60));
    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
  }

  @Test
  void derivedModeReopensWhenTheReturningHostIsEjectedAgain() throws ConfigException {
    UpstreamCluster cluster =
        start(
            OutlierDetectorTest.cluster(1)
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0))));
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);
    var host = cluster.prioritySet().allHosts().get(0);

    cluster.setHealthFlag(host, HealthFlag.FAILED_ACTIVE_HC);
    cluster.clearHealthFlag(host, HealthFlag.FAILED_ACTIVE_HC);
    assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
    cluster.setHealthFlag(host, HealthFlag.FAILED_OUTLIER_CHECK);

    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    assertThat(counter("half_open_to_open")).isEqualTo(1);
  }

  @Test
  void withPanicOnAllHostsEjectedStillRoutesSoTheBreakerStaysClosed() throws ConfigException {
    UpstreamCluster cluster = start(OutlierDetectorTest.cluster(2));
    ClusterBreaker breaker = ClusterBreaker.create(cluster, stats, time, clock);

    cluster.batchHealthUpdates(
        () ->
            cluster
                .prioritySet()
                .allHosts()
                .forEach(h -> cluster.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK)));

    assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isPresent();
  }

  private static String rejectedField(String json) throws Exception {
    try {
      StrictBreakerConfig.fromMetadata(metadata(json), "clusters[backend].metadata");
    } catch (ConfigException e) {
      return e.fieldPath();
    }
    throw new AssertionError("accepted " + json);
  }

  @Test
  void readsTheStrictBreakerFromMetadataAndRejectsBadShapes() throws Exception {
    assertThat(
            StrictBreakerConfig.fromMetadata(
                metadata(
                    "{\"other\": 1, \"strict_half_open_breaker\": {\"failure_threshold\": 4,"
                        + " \"sleep_window\": \"1.5s\"}}"),
                "m"))
        .contains(new StrictBreakerConfig(4, Duration.ofMillis(1500)));
    assertThat(StrictBreakerConfig.fromMetadata(metadata("{\"other\": 1}"), "m")).isEmpty();
    assertThat(StrictBreakerConfig.fromMetadata(Metadata.getDefaultInstance(), "m")).isEmpty();

    String base =
        "clusters[backend].metadata.filter_metadata[\"io.attache\"].strict_half_open_breaker";
    assertThat(rejectedField("{\"strict_half_open_breaker\": {\"sleep_window\": \"1s\"}}"))
        .isEqualTo(base + ".failure_threshold");
    assertThat(rejectedField("{\"strict_half_open_breaker\": {\"failure_threshold\": 2}}"))
        .isEqualTo(base + ".sleep_window");
    assertThat(
            rejectedField(
                "{\"strict_half_open_breaker\": {\"failure_threshold\": 2, \"sleep_window\": \"1s\","
                    + " \"bogus\": true}}"))
        .isEqualTo(base);
    assertThat(rejectedField("{\"strict_half_open_breaker\": 5}")).isEqualTo(base);
  }
}
