package io.attache.dataplane.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.CircuitBreakerSettings.PerHostThresholds;
import io.attache.dataplane.upstream.CircuitBreakerSettings.RetryBudget;
import io.attache.dataplane.upstream.CircuitBreakerSettings.Thresholds;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ResourceManagerTest {
  private static final String CB = "cluster.backend.circuit_breakers.default.";

  private final StatsStore stats = new StatsStore();

  private static Thresholds thresholds(
      long cx, long pending, long rq, long retries, boolean track, OptionalLong pools) {
    return new Thresholds(cx, pending, rq, retries, Optional.empty(), track, pools);
  }

  private static CircuitBreakerSettings settings(Thresholds t) {
    return new CircuitBreakerSettings(
        t,
        CircuitBreakerSettings.DEFAULT_THRESHOLDS,
        PerHostThresholds.UNLIMITED,
        PerHostThresholds.UNLIMITED);
  }

  private ResourceManager manager(Thresholds t) {
    return ResourceManager.create("backend", RoutingPriority.DEFAULT, settings(t), stats);
  }

  private long gauge(String name) {
    assertThat(stats.gauges()).as("gauge %s exists", name).containsKey(name);
    return stats.gauges().get(name).value();
  }

  private long counter(String name) {
    return stats.counter("cluster.backend." + name).value();
  }

  private Map<String, Long> breakerGauges() {
    Map<String, Long> out = new TreeMap<>();
    stats.gauges().forEach((k, v) -> out.put(k, v.value()));
    return out;
  }

  @Test
  void registersEnvoysOpenGaugesAndNoRemainingGaugesWithoutTrackRemaining() {
    ResourceManager.create(
        "backend", RoutingPriority.DEFAULT, CircuitBreakerSettings.DEFAULTS, stats);

    assertThat(breakerGauges())
        .containsOnlyKeys(
            CB + "cx_open",
            CB + "cx_pool_open",
            CB + "rq_pending_open",
            CB + "rq_open",
            CB + "rq_retry_open")
        .allSatisfy((name, value) -> assertThat(value).isZero());
  }

  @Test
  void showsRemainingAndOpenGaugesAsResourcesAreAcquiredAndReleased() {
    ResourceManager rm = manager(thresholds(2, 3, 4, 1, true, OptionalLong.of(1)));
    assertThat(gauge(CB + "remaining_cx")).isEqualTo(2);
    assertThat(gauge(CB + "remaining_pending")).isEqualTo(3);
    assertThat(gauge(CB + "remaining_rq")).isEqualTo(4);
    assertThat(gauge(CB + "remaining_retries")).isEqualTo(1);
    assertThat(gauge(CB + "remaining_cx_pools")).isEqualTo(1);

    assertThat(rm.requests().tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(rm.requests().tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(rm.requests().tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(gauge(CB + "remaining_rq")).isEqualTo(1);
    assertThat(gauge(CB + "rq_open")).isZero();

    assertThat(rm.requests().tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(gauge(CB + "remaining_rq")).isZero();
    assertThat(gauge(CB + "rq_open")).isEqualTo(1);

    assertThat(rm.requests().tryAcquire()).isEqualTo(OverflowDecision.REQUESTS);
    assertThat(rm.requests().count()).isEqualTo(4);
    assertThat(counter("upstream_rq_active_overflow")).isEqualTo(1);

    rm.requests().release();
    assertThat(gauge(CB + "remaining_rq")).isEqualTo(1);
    assertThat(gauge(CB + "rq_open")).isZero();

    assertThat(rm.retries().tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(gauge(CB + "rq_retry_open")).isEqualTo(1);
    assertThat(gauge(CB + "remaining_retries")).isZero();
    assertThat(rm.retries().tryAcquire()).isEqualTo(OverflowDecision.RETRIES);
    assertThat(counter("upstream_rq_retry_overflow")).isEqualTo(1);
  }

  @Test
  void pendingAndRequestOverflowAreCountedApartAsEnvoyCountsThemAndBothFailWithOverloaded() {
    ResourceManager rm = manager(thresholds(10, 1, 1, 3, false, OptionalLong.empty()));
    rm.pendingRequests().tryAcquire();
    rm.requests().tryAcquire();

    OverflowDecision pending = rm.pendingRequests().tryAcquire();
    OverflowDecision requests = rm.requests().tryAcquire();

    assertThat(pending).isEqualTo(OverflowDecision.PENDING_REQUESTS);
    assertThat(requests).isEqualTo(OverflowDecision.REQUESTS);
    assertThat(counter("upstream_rq_pending_overflow")).isEqualTo(1);
    assertThat(counter("upstream_rq_active_overflow")).isEqualTo(1);
    assertThat(pending.consequence()).isEqualTo(OverflowDecision.Consequence.FAIL_OVERLOADED);
    assertThat(pending.responseFlag())
        .hasValue(io.attache.dataplane.accesslog.ResponseFlag.UPSTREAM_OVERFLOW);
    assertThat(gauge(CB + "rq_pending_open")).isEqualTo(1);
    assertThat(gauge(CB + "rq_open")).isEqualTo(1);
  }

  @Test
  void connectionOverflowQueuesInsteadOfFailingUnlessThePoolHasNoConnectionAtAll() {
    ResourceManager rm = manager(thresholds(1, 10, 10, 3, true, OptionalLong.empty()));
    assertThat(rm.tryAcquireConnection(0, true)).isEqualTo(OverflowDecision.ADMITTED);

    OverflowDecision second = rm.tryAcquireConnection(0, false);
    assertThat(second).isEqualTo(OverflowDecision.CONNECTIONS);
    assertThat(second.consequence())
        .isEqualTo(OverflowDecision.Consequence.QUEUE_WITHOUT_NEW_CONNECTION);
    assertThat(counter("upstream_cx_overflow")).isEqualTo(1);
    assertThat(rm.connections().count()).isEqualTo(1);

    // Envoy: a pool with no connection always gets one, even over the limit (still counted).
    assertThat(rm.tryAcquireConnection(0, true)).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(counter("upstream_cx_overflow")).isEqualTo(2);
    assertThat(rm.connections().count()).isEqualTo(2);
    assertThat(gauge(CB + "remaining_cx")).isZero();
    assertThat(gauge(CB + "cx_open")).isEqualTo(1);

    rm.connections().release();
    rm.connections().release();
    assertThat(gauge(CB + "remaining_cx")).isEqualTo(1);
    assertThat(gauge(CB + "cx_open")).isZero();
  }

  @Test
  void perHostMaxConnectionsStopsANewConnectionToABusyHost() {
    CircuitBreakerSettings s =
        new CircuitBreakerSettings(
            CircuitBreakerSettings.DEFAULT_THRESHOLDS,
            CircuitBreakerSettings.DEFAULT_THRESHOLDS,
            new PerHostThresholds(OptionalLong.of(2)),
            PerHostThresholds.UNLIMITED);
    ResourceManager rm = ResourceManager.create("backend", RoutingPriority.DEFAULT, s, stats);
    ResourceManager high = ResourceManager.create("backend", RoutingPriority.HIGH, s, stats);

    assertThat(rm.maxConnectionsPerHost()).isEqualTo(2);
    assertThat(rm.checkHostConnections(1)).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(rm.checkHostConnections(2)).isEqualTo(OverflowDecision.CONNECTIONS);
    assertThat(rm.tryAcquireConnection(2, false)).isEqualTo(OverflowDecision.CONNECTIONS);
    assertThat(rm.connections().count()).isZero();
    assertThat(counter("upstream_cx_overflow")).isEqualTo(1);
    assertThat(rm.tryAcquireConnection(1, false)).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(high.checkHostConnections(1_000_000)).isEqualTo(OverflowDecision.ADMITTED);
  }

  @Test
  void connectionPoolOverflowTriesToFreeAnIdlePoolBeforeCounting() {
    ResourceManager rm = manager(thresholds(10, 10, 10, 3, true, OptionalLong.of(1)));
    assertThat(rm.tryAcquireConnectionPool(() -> false)).isEqualTo(OverflowDecision.ADMITTED);

    OverflowDecision freed =
        rm.tryAcquireConnectionPool(
            () -> {
              rm.connectionPools().release();
              return true;
            });
    assertThat(freed).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(counter("upstream_cx_pool_overflow")).isZero();

    OverflowDecision none = rm.tryAcquireConnectionPool(() -> false);
    assertThat(none).isEqualTo(OverflowDecision.CONNECTION_POOLS);
    assertThat(none.consequence()).isEqualTo(OverflowDecision.Consequence.FAIL_NO_HEALTHY_UPSTREAM);
    assertThat(counter("upstream_cx_pool_overflow")).isEqualTo(1);
    assertThat(gauge(CB + "cx_pool_open")).isEqualTo(1);
    assertThat(gauge(CB + "remaining_cx_pools")).isZero();
  }

  @Test
  void retryBudgetReplacesMaxRetriesWithAPercentOfActivePlusPendingRequests() {
    Thresholds t =
        new Thresholds(
            1024, 1024, 1024, 3, Optional.of(new RetryBudget(20.0, 3)), true, OptionalLong.empty());
    ResourceManager rm = manager(t);
    Resource retries = rm.retries();
    assertThat(retries.budgeted()).isTrue();

    // Nothing active: 20% of 0 is 0, so min_retry_concurrency (3) applies.
    assertThat(retries.max()).isEqualTo(3);

    // 20 active + 5 pending = 25; 20% of 25 = 5.
    acquire(rm.requests(), 20);
    acquire(rm.pendingRequests(), 5);
    assertThat(retries.max()).isEqualTo(5);

    // 24 + 5 = 29; 20% of 29 = 5.8, truncated to 5 as Envoy's integer conversion does.
    acquire(rm.requests(), 4);
    assertThat(retries.max()).isEqualTo(5);

    // 25 + 5 = 30: exactly 6.
    acquire(rm.requests(), 1);
    assertThat(retries.max()).isEqualTo(6);

    acquire(retries, 6);
    assertThat(retries.tryAcquire()).isEqualTo(OverflowDecision.RETRIES);
    assertThat(counter("upstream_rq_retry_overflow")).isEqualTo(1);

    // As in Envoy: rq_retry_open still compares with the static max_retries (3), and
    // remaining_retries reads 0 while a budget is in force.
    assertThat(gauge(CB + "rq_retry_open")).isEqualTo(1);
    assertThat(gauge(CB + "remaining_retries")).isZero();

    // Load drops: 10 active, 0 pending -> 20% = 2 -> min 3; the 6 retries in flight exceed it.
    release(rm.requests(), 15);
    release(rm.pendingRequests(), 5);
    assertThat(retries.max()).isEqualTo(3);
    assertThat(retries.open()).isTrue();
    release(retries, 4);
    assertThat(retries.tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    assertThat(retries.count()).isEqualTo(3);
  }

  @Test
  void retryBudgetHonoursAHigherMinimumAndAFullPercent() {
    Thresholds t =
        new Thresholds(
            1024,
            1024,
            1024,
            3,
            Optional.of(new RetryBudget(100.0, 10)),
            false,
            OptionalLong.empty());
    ResourceManager rm = manager(t);
    acquire(rm.requests(), 7);
    assertThat(rm.retries().max()).isEqualTo(10);
    acquire(rm.requests(), 8);
    assertThat(rm.retries().max()).isEqualTo(15);
  }

  @Test
  void highPriorityHasItsOwnLimitsAndGauges() {
    Thresholds tight = thresholds(1, 1, 1, 1, false, OptionalLong.empty());
    CircuitBreakerSettings s =
        new CircuitBreakerSettings(
            CircuitBreakerSettings.DEFAULT_THRESHOLDS,
            tight,
            PerHostThresholds.UNLIMITED,
            PerHostThresholds.UNLIMITED);
    ClusterResourceManagers both = ClusterResourceManagers.create("backend", s, stats);
    ResourceManager high = both.forPriority(RoutingPriority.HIGH);
    assertThat(high.statPrefix()).isEqualTo("cluster.backend.circuit_breakers.high.");

    high.requests().tryAcquire();
    assertThat(high.requests().tryAcquire()).isEqualTo(OverflowDecision.REQUESTS);
    assertThat(gauge("cluster.backend.circuit_breakers.high.rq_open")).isEqualTo(1);
    assertThat(gauge(CB + "rq_open")).isZero();
    assertThat(both.forPriority(RoutingPriority.DEFAULT).requests().tryAcquire())
        .isEqualTo(OverflowDecision.ADMITTED);
  }

  @Test
  void refusesToReleaseWhatWasNeverAcquired() {
    ResourceManager rm = manager(CircuitBreakerSettings.DEFAULT_THRESHOLDS);
    assertThatThrownBy(() -> rm.requests().release()).isInstanceOf(IllegalStateException.class);
    assertThat(rm.requests().count()).isZero();
  }

  @Test
  void concurrentAcquireAndReleaseNeverExceedTheLimit() throws Exception {
    int limit = 5;
    int threads = 4;
    int iterations = 20_000;
    ResourceManager rm =
        manager(thresholds(limit, limit, limit, limit, true, OptionalLong.empty()));
    Resource requests = rm.requests();
    AtomicLong highestSeen = new AtomicLong();
    AtomicLong admitted = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  start.await(10, TimeUnit.SECONDS);
                  for (int i = 0; i < iterations; i++) {
                    if (requests.tryAcquire().admitted()) {
                      admitted.incrementAndGet();
                      highestSeen.accumulateAndGet(requests.count(), Math::max);
                      requests.release();
                    }
                  }
                } catch (Throwable e) {
                  failure.compareAndSet(null, e);
                }
              });
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(worker.isAlive()).as("worker finished in time").isFalse();
    }

    assertThat(failure.get()).isNull();
    assertThat(highestSeen.get()).isBetween(1L, (long) limit);
    assertThat(admitted.get()).isPositive();
    assertThat(requests.count()).isZero();
    assertThat(gauge(CB + "remaining_rq")).isEqualTo(limit);
    assertThat(gauge(CB + "rq_open")).isZero();
    assertThat(counter("upstream_rq_active_overflow"))
        .isEqualTo((long) threads * iterations - admitted.get());
  }

  private static void acquire(Resource resource, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(resource.tryAcquire()).isEqualTo(OverflowDecision.ADMITTED);
    }
  }

  private static void release(Resource resource, int times) {
    for (int i = 0; i < times; i++) {
      resource.release();
    }
  }
}
