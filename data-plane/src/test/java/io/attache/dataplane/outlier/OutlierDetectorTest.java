package io.attache.dataplane.outlier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final StatsStore stats = new StatsStore();
  private final VirtualTime time = new VirtualTime();
  private final ScriptedRandom detectorRandom = new ScriptedRandom();
  private ClusterManager manager;
  private UpstreamCluster cluster;
  private OutlierDetectorImpl detector;

  static Cluster.Builder cluster(int hosts) {
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
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().addEndpoints(locality));
  }

  private void start(Cluster.Builder proto, OutlierDetection.Builder outlier)
      throws ConfigException {
    proto.setOutlierDetection(outlier);
    manager =
        ClusterManager.create(
            List.of(proto.build()),
            "static_resources.clusters",
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(3)));
    manager.start();
    cluster = manager.cluster("backend").orElseThrow();
    detector =
        (OutlierDetectorImpl)
            OutlierDetector.create(
                cluster,
                new UpstreamContext(stats, new FakeDnsResolver(), time, detectorRandom),
                time);
  }

  private Host host(int i) {
    return cluster.prioritySet().allHosts().get(i - 1);
  }

  private HostMonitor monitor(int i) {
    return detector.monitor(host(i));
  }

  private boolean ejected(int i) {
    return host(i).healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK);
  }

  private long counter(String stat) {
    return stats.counter("cluster.backend.outlier_detection." + stat).value();
  }

  private long activeEjections() {
    return stats.gauge("cluster.backend.outlier_detection.ejections_active").value();
  }

  private void respond(int host, int code, int times) {
    for (int i = 0; i < times; i++) {
      monitor(host).putHttpResponseCode(code);
    }
  }

  private Set<String> picks(int n) {
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      cluster.loadBalancer().chooseHost(LbContext.NONE).ifPresent(h -> seen.add(h.addressString()));
    }
    return seen;
  }

  private static OutlierDetection.Builder allowAll() {
    return OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(100));
  }

  @AfterEach
  void noTimerOutlivesTheDetector() {
    if (detector != null) {
      detector.close();
      manager.close();
      assertThat(time.pending()).as("%s", time).isEmpty();
      assertThat(detectorRandom.remaining()).as("unused scripted draws").isZero();
    }
  }

  @Test
  void ejectsOnTheFifthConsecutive5xxForTheBaseEjectionTimeAndUnejectsOnTheSweep()
      throws ConfigException {
    start(cluster(3), allowAll());

    respond(1, 500, 4);
    assertThat(ejected(1)).isFalse();
    respond(1, 500, 1);

    assertThat(ejected(1)).isTrue();
    assertThat(detector.monitorOf(host(1)).ejectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(counter("ejections_enforced_total")).isEqualTo(1);
    assertThat(counter("ejections_enforced_consecutive_5xx")).isEqualTo(1);
    assertThat(counter("ejections_detected_consecutive_5xx")).isEqualTo(1);
    assertThat(counter("ejections_detected_consecutive_gateway_failure")).isZero();
    assertThat(activeEjections()).isEqualTo(1);
    assertThat(monitor(1).numEjections()).isEqualTo(1);
    assertThat(picks(20)).containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(10));

    time.advance(Duration.ofSeconds(20));
    assertThat(ejected(1)).as("still ejected at 20 s").isTrue();

    time.advance(Duration.ofSeconds(10));
    assertThat(ejected(1)).as("un-ejected by the sweep at 30 s").isFalse();
    assertThat(activeEjections()).isZero();
    assertThat(picks(30)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
  }

  @Test
  void aSuccessBetweenErrorsResetsTheConsecutiveCount() throws ConfigException {
    start(cluster(3), allowAll());

    respond(1, 500, 4);
    respond(1, 200, 1);
    respond(1, 500, 4);

    assertThat(ejected(1)).isFalse();
    assertThat(counter("ejections_detected_consecutive_5xx")).isZero();
  }

  @Test
  void gatewayFailuresAreDetectedButNotEnforcedByDefault() throws ConfigException {
    start(cluster(3), allowAll().setConsecutive5Xx(UInt32Value.of(100)));

    respond(1, 503, 5);

    assertThat(counter("ejections_detected_consecutive_gateway_failure")).isEqualTo(1);
    assertThat(counter("ejections_enforced_consecutive_gateway_failure")).isZero();
    assertThat(ejected(1)).isFalse();
  }

  @Test
  void repeatedEjectionsLastLongerUpToMaxEjectionTime() throws ConfigException {
    start(
        cluster(3),
        allowAll()
            .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))
            .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(10))
            .setMaxEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(25)));

    List<Duration> ejectionTimes = new java.util.ArrayList<>();
    for (int round = 0; round < 4; round++) {
      respond(1, 500, 5);
      assertThat(ejected(1)).isTrue();
      Duration ejection = detector.monitorOf(host(1)).ejectionTime();
      ejectionTimes.add(ejection);
      Duration start = time.elapsed();
      while (ejected(1)) {
        time.runNext();
      }
      // Un-ejection happens on the first 1 s sweep at or after the ejection time.
      assertThat(time.elapsed().minus(start)).isEqualTo(ejection);
    }

    assertThat(ejectionTimes)
        .containsExactly(
            Duration.ofSeconds(10),
            Duration.ofSeconds(20),
            Duration.ofSeconds(25),
            Duration.ofSeconds(25));
  }

  @Test
  void aHostThatStaysHealthyWorksItsBackOffDownOneStepPerInterval() throws ConfigException {
    start(
        cluster(3),
        allowAll()
            .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(10))
            .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(10)));

    respond(1, 500, 5);
    time.advance(Duration.ofSeconds(10));
    respond(1, 500, 5);
    assertThat(detector.monitorOf(host(1)).ejectionTime()).isEqualTo(Duration.ofSeconds(20));
    time.advance(Duration.ofSeconds(20)); // un-ejected at 30 s, back-off still 2
    time.advance(Duration.ofSeconds(20)); // two healthy sweeps: 2 -> 1 -> 0

    respond(1, 500, 5);
    assertThat(detector.monitorOf(host(1)).ejectionTime()).isEqualTo(Duration.ofSeconds(10));
    time.advance(Duration.ofSeconds(10));
  }

  @Test
  void addsTheDrawnJitterToTheEjectionTime() throws ConfigException {
    detectorRandom.then(123);
    start(
        cluster(3),
        allowAll()
            .setMaxEjectionTimeJitter(
                com.google.protobuf.Duration.newBuilder().setNanos(500_000_000)));

    respond(1, 500, 5);

    assertThat(detectorRandom.draws()).containsExactly("nextLong(501)=123");
    assertThat(detector.monitorOf(host(1)).ejectionTime()).isEqualTo(Duration.ofMillis(30_123));
    time.advance(Duration.ofSeconds(30));
    assertThat(ejected(1)).as("30 s < 30.123 s").isTrue();
    time.advance(Duration.ofSeconds(10));
    assertThat(ejected(1)).isFalse();
  }

  @Test
  void ejectsOnlyAsManyHostsAsMaxEjectionPercentAllows() throws ConfigException {
    start(cluster(10), OutlierDetection.newBuilder());

    respond(1, 500, 5);
    respond(2, 500, 5);

    // 100 * 1 / 10 = 10% fits the default 10%; a second ejection would make 20%.
    assertThat(ejected(1)).isTrue();
    assertThat(ejected(2)).isFalse();
    assertThat(counter("ejections_overflow")).isEqualTo(1);
    assertThat(counter("ejections_detected_consecutive_5xx")).isEqualTo(2);
    assertThat(counter("ejections_enforced_consecutive_5xx")).isEqualTo(1);
  }

  @Test
  void withFewHostsTheDefaultPercentEjectsNoneUnlessAlwaysEjectOneHost() throws ConfigException {
    start(cluster(3), OutlierDetection.newBuilder());

    respond(1, 500, 5);

    // 100 * 1 / 3 = 33% > 10%: Envoy ejects nothing (it no longer always ejects one host).
    assertThat(ejected(1)).isFalse();
    assertThat(counter("ejections_overflow")).isEqualTo(1);
  }

  @Test
  void alwaysEjectOneHostLetsTheFirstEjectionThroughOnly() throws ConfigException {
    start(cluster(3), OutlierDetection.newBuilder().setAlwaysEjectOneHost(BoolValue.of(true)));

    respond(1, 500, 5);
    respond(2, 500, 5);

    assertThat(ejected(1)).isTrue();
    assertThat(ejected(2)).isFalse();
    assertThat(counter("ejections_overflow")).isEqualTo(1);
  }

  @Test
  void enforcingPercentageDecidesWithARandomDraw() throws ConfigException {
    detectorRandom.then(30, 29);
    start(cluster(3), allowAll().setEnforcingConsecutive5Xx(UInt32Value.of(30)));

    respond(1, 500, 5); // draw 30: not < 30, detected only
    assertThat(ejected(1)).isFalse();
    respond(1, 500, 5); // draw 29: ejected

    assertThat(ejected(1)).isTrue();
    assertThat(counter("ejections_detected_consecutive_5xx")).isEqualTo(2);
    assertThat(counter("ejections_enforced_consecutive_5xx")).isEqualTo(1);
    assertThat(detectorRandom.draws()).containsExactly("nextLong(100)=30", "nextLong(100)=29");
  }

  @Test
  void successRateThresholdMatchesEnvoysWorkedExample() {
    // Envoy's example: success rates {50, 100, 100, 100, 100}: mean 90, stdev 20, threshold with
    // the default factor 1.9 = 90 - 38 = 52.
    OutlierDetectorImpl.SuccessRateNumbers numbers =
        OutlierDetectorImpl.successRateNumbers(
            450, new double[] {50, 100, 100, 100, 100}, 1900 / 1000.0);

    assertThat(numbers.average()).isEqualTo(90.0);
    assertThat(numbers.ejectionThreshold()).isCloseTo(52.0, within(1e-9));
  }

  @Test
  void successRateEjectsTheHostBelowMeanMinusStdevFactorStdevs() throws ConfigException {
    start(cluster(5), allowAll().setConsecutive5Xx(UInt32Value.of(1000)));
    // One interval of traffic: host 1 answers half its 100 requests with 500, the others none.
    for (int i = 0; i < 100; i++) {
      respond(1, i % 2 == 0 ? 500 : 200, 1);
      for (int h = 2; h <= 5; h++) {
        respond(h, 200, 1);
      }
    }

    time.advance(Duration.ofSeconds(10));

    assertThat(ejected(1)).isTrue();
    assertThat(counter("ejections_detected_success_rate")).isEqualTo(1);
    assertThat(counter("ejections_enforced_success_rate")).isEqualTo(1);
    assertThat(monitor(1).successRate(HostMonitor.SuccessRateOrigin.EXTERNAL)).isEqualTo(50.0);
    assertThat(detector.successRateNumbers(HostMonitor.SuccessRateOrigin.EXTERNAL))
        .satisfies(n -> assertThat(n.ejectionThreshold()).isCloseTo(52.0, within(1e-9)));
    for (int h = 2; h <= 5; h++) {
      assertThat(ejected(h)).isFalse();
    }
  }

  @Test
  void successRateNeedsEnoughHostsWithEnoughRequests() throws ConfigException {
    start(cluster(5), allowAll().setConsecutive5Xx(UInt32Value.of(1000)));
    for (int i = 0; i < 100; i++) {
      respond(1, i % 2 == 0 ? 500 : 200, 1);
      for (int h = 2; h <= 4; h++) {
        respond(h, 200, 1);
      }
    }
    respond(5, 200, 99); // one request short of success_rate_request_volume

    time.advance(Duration.ofSeconds(10));

    assertThat(ejected(1)).as("only 4 of the 5 required hosts had 100 requests").isFalse();
    assertThat(counter("ejections_detected_success_rate")).isZero();
  }

  @Test
  void failurePercentageEjectsAtTheThresholdWhenEnforced() throws ConfigException {
    start(
        cluster(5),
        allowAll()
            .setConsecutive5Xx(UInt32Value.of(1000))
            .setConsecutiveGatewayFailure(UInt32Value.of(1000))
            .setEnforcingFailurePercentage(UInt32Value.of(100)));
    // 50 requests each (failure_percentage_request_volume); host 1 fails 85% (the default
    // threshold, "greater than or equal" ejects), host 2 fails 84%.
    respond(1, 500, 43);
    respond(1, 200, 7);
    respond(2, 500, 42);
    respond(2, 200, 8);
    for (int h = 3; h <= 5; h++) {
      respond(h, 200, 50);
    }

    time.advance(Duration.ofSeconds(10));

    assertThat(ejected(1)).isTrue();
    assertThat(ejected(2)).isFalse();
    assertThat(counter("ejections_detected_failure_percentage")).isEqualTo(1);
    assertThat(counter("ejections_enforced_failure_percentage")).isEqualTo(1);
    assertThat(counter("ejections_detected_success_rate")).as("50 < 100 requests").isZero();
  }

  @Test
  void failurePercentageIsOnlyDetectedWithTheDefaultEnforcingOfZero() throws ConfigException {
    start(cluster(5), allowAll().setConsecutive5Xx(UInt32Value.of(1000)));
    respond(1, 500, 50);
    for (int h = 2; h <= 5; h++) {
      respond(h, 200, 50);
    }

    time.advance(Duration.ofSeconds(10));

    assertThat(counter("ejections_detected_failure_percentage")).isEqualTo(1);
    assertThat(counter("ejections_enforced_failure_percentage")).isZero();
    assertThat(ejected(1)).isFalse();
  }

  @Test
  void withoutTheSplitLocalFailuresCountAsGatewayErrors() throws ConfigException {
    start(cluster(3), allowAll());

    for (int i = 0; i < 4; i++) {
      monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);
    }
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_SUCCESS); // reports nothing
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_TIMEOUT);

    assertThat(ejected(1)).isTrue();
    assertThat(counter("ejections_enforced_consecutive_5xx")).isEqualTo(1);
    assertThat(counter("ejections_detected_consecutive_gateway_failure")).isEqualTo(1);
  }

  @Test
  void withTheSplitLocalFailuresHaveTheirOwnDetector() throws ConfigException {
    start(
        cluster(3),
        allowAll()
            .setSplitExternalLocalOriginErrors(true)
            .setConsecutiveLocalOriginFailure(UInt32Value.of(3)));

    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_TIMEOUT);
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_SUCCESS); // resets
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);
    assertThat(ejected(1)).isFalse();
    monitor(1).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);

    assertThat(ejected(1)).isTrue();
    assertThat(counter("ejections_enforced_consecutive_local_origin_failure")).isEqualTo(1);
    assertThat(counter("ejections_detected_consecutive_5xx")).isZero();
  }

  @Test
  void withPanicThresholdZeroAllHostsEjectedLeavesNoHostToPick() throws ConfigException {
    start(
        cluster(2)
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(0))),
        allowAll());

    respond(1, 500, 5);
    respond(2, 500, 5);

    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();
    assertThat(activeEjections()).isEqualTo(2);

    time.advance(Duration.ofSeconds(30));
    assertThat(picks(10)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
  }

  @Test
  void aPassingActiveCheckUnejectsTheHost() throws ConfigException {
    start(cluster(3), allowAll());
    respond(1, 500, 5);

    detector.onActiveHealthCheck(host(1), false);
    assertThat(ejected(1)).isTrue();
    detector.onActiveHealthCheck(host(1), true);

    assertThat(ejected(1)).isFalse();
    assertThat(activeEjections()).isZero();
  }

  @Test
  void aPassingActiveCheckLeavesTheHostEjectedWhenConfiguredSo() throws ConfigException {
    start(cluster(3), allowAll().setSuccessfulActiveHealthCheckUnejectHost(BoolValue.of(false)));
    respond(1, 500, 5);

    detector.onActiveHealthCheck(host(1), true);

    assertThat(ejected(1)).isTrue();
  }

  @Test
  void aLogicalDnsHostThatMovesWhileEjectedStaysEjectedForOneBaseTime() throws ConfigException {
    io.attache.dataplane.upstream.dns.FakeDnsResolver dns =
        new io.attache.dataplane.upstream.dns.FakeDnsResolver()
            .answer("a.internal", Duration.ofSeconds(60), "10.0.0.1");
    Cluster.Builder proto =
        Cluster.newBuilder()
            .setName("backend")
            .setType(Cluster.DiscoveryType.LOGICAL_DNS)
            .setDnsRefreshRate(com.google.protobuf.Duration.newBuilder().setSeconds(5))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        Endpoint.newBuilder()
                                            .setAddress(
                                                Address.newBuilder()
                                                    .setSocketAddress(
                                                        SocketAddress.newBuilder()
                                                            .setAddress("a.internal")
                                                            .setPortValue(8080)))))))
            .setOutlierDetection(allowAll());
    manager =
        ClusterManager.create(
            List.of(proto.build()),
            "static_resources.clusters",
            new UpstreamContext(stats, dns, time, RandomSource.seeded(3)));
    manager.start();
    cluster = manager.cluster("backend").orElseThrow();
    detector =
        (OutlierDetectorImpl)
            OutlierDetector.create(
                cluster, new UpstreamContext(stats, dns, time, detectorRandom), time);
    respond(1, 500, 5);
    assertThat(ejected(1)).isTrue();

    dns.answer("a.internal", Duration.ofSeconds(60), "10.0.0.9");
    time.advance(Duration.ofSeconds(5)); // DNS refresh: the logical host moves

    assertThat(host(1).addressString()).isEqualTo("10.0.0.9:8080");
    assertThat(ejected(1)).isTrue();
    assertThat(activeEjections()).isEqualTo(1);
    time.advance(Duration.ofSeconds(34)); // out since 5 s: still out at the 30 s sweep
    assertThat(ejected(1)).isTrue();
    time.advance(Duration.ofSeconds(1)); // the 40 s sweep: 35 s >= 30 s
    assertThat(ejected(1)).isFalse();
    assertThat(activeEjections()).isZero();
  }

  @Test
  void reportsFromManyEventLoopsAtOnceKeepTheEjectionCountConsistent() throws Exception {
    start(cluster(10), OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(50)));
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<Thread> loops = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread loop =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 200; i++) {
                  for (int h = 1; h <= 10; h++) {
                    monitor(h).putHttpResponseCode(i % 7 == 0 ? 200 : 502);
                  }
                }
              });
      loop.start();
      loops.add(loop);
    }
    go.countDown();
    for (Thread loop : loops) {
      loop.join();
    }

    long flagged =
        cluster.prioritySet().allHosts().stream()
            .filter(h -> h.healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK))
            .count();
    assertThat(flagged).isEqualTo(5);
    assertThat(activeEjections()).isEqualTo(5);
    assertThat(cluster.prioritySet().hostSets().get(0).healthyHosts()).hasSize(5);
    assertThat(counter("ejections_enforced_total")).isEqualTo(5);
  }

  @Test
  void aClusterWithoutOutlierDetectionGetsTheNullDetector() throws ConfigException {
    manager =
        ClusterManager.create(
            List.of(cluster(1).build()),
            "static_resources.clusters",
            new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(3)));
    manager.start();
    UpstreamCluster plain = manager.cluster("backend").orElseThrow();
    OutlierDetector none =
        OutlierDetector.create(
            plain, new UpstreamContext(stats, new FakeDnsResolver(), time, detectorRandom), time);

    assertThat(none).isSameAs(OutlierDetector.NONE);
    HostMonitor monitor = none.monitor(plain.prioritySet().allHosts().get(0));
    for (int i = 0; i < 10; i++) {
      monitor.putHttpResponseCode(500);
    }
    assertThat(plain.prioritySet().allHosts().get(0).healthFlags().snapshot()).isEmpty();
    assertThat(time.pending()).isEmpty();
    manager.close();
  }

  @Test
  void parsesEnvoysDefaults() {
    OutlierDetectionConfig config = OutlierDetectionConfig.DEFAULTS;

    assertThat(config.consecutive5xx()).isEqualTo(5);
    assertThat(config.interval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.maxEjectionTimeJitter()).isEqualTo(Duration.ZERO);
    assertThat(config.maxEjectionPercent()).isEqualTo(10);
    assertThat(config.enforcingConsecutive5xx()).isEqualTo(100);
    assertThat(config.consecutiveGatewayFailure()).isEqualTo(5);
    assertThat(config.enforcingConsecutiveGatewayFailure()).isZero();
    assertThat(config.consecutiveLocalOriginFailure()).isEqualTo(5);
    assertThat(config.enforcingConsecutiveLocalOriginFailure()).isEqualTo(100);
    assertThat(config.enforcingSuccessRate()).isEqualTo(100);
    assertThat(config.enforcingLocalOriginSuccessRate()).isEqualTo(100);
    assertThat(config.successRateMinimumHosts()).isEqualTo(5);
    assertThat(config.successRateRequestVolume()).isEqualTo(100);
    assertThat(config.successRateStdevFactor()).isEqualTo(1900);
    assertThat(config.failurePercentageThreshold()).isEqualTo(85);
    assertThat(config.enforcingFailurePercentage()).isZero();
    assertThat(config.enforcingFailurePercentageLocalOrigin()).isZero();
    assertThat(config.failurePercentageMinimumHosts()).isEqualTo(5);
    assertThat(config.failurePercentageRequestVolume()).isEqualTo(50);
    assertThat(config.successfulActiveHealthCheckUnejectHost()).isTrue();
    assertThat(config.alwaysEjectOneHost()).isFalse();
    assertThat(config.splitExternalLocalOriginErrors()).isFalse();
  }

  @Test
  void aLongBaseEjectionTimeRaisesTheDefaultMaximum() throws ConfigException {
    OutlierDetectionConfig config =
        OutlierDetectionConfig.from(
            OutlierDetection.newBuilder()
                .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(600))
                .build(),
            "od");

    assertThat(config.maxEjectionTime()).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void rejectsInvalidFieldsNamingThem() {
    assertThatThrownBy(
            () ->
                OutlierDetectionConfig.from(
                    OutlierDetection.newBuilder()
                        .setMaxEjectionPercent(UInt32Value.of(101))
                        .build(),
                    "clusters[0].outlier_detection"))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("clusters[0].outlier_detection.max_ejection_percent");
    assertThatThrownBy(
            () ->
                OutlierDetectionConfig.from(
                    OutlierDetection.newBuilder()
                        .setMaxEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(5))
                        .build(),
                    "od"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cannot be smaller than base_ejection_time")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("od.max_ejection_time");
    assertThatThrownBy(
            () ->
                OutlierDetectionConfig.from(
                    OutlierDetection.newBuilder()
                        .setInterval(com.google.protobuf.Duration.getDefaultInstance())
                        .build(),
                    "od"))
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("od.interval");
    assertThatThrownBy(
            () ->
                OutlierDetectionConfig.from(
                    OutlierDetection.newBuilder()
                        .setEnforcingSuccessRate(UInt32Value.of(200))
                        .build(),
                    "od"))
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("od.enforcing_success_rate");
  }
}
