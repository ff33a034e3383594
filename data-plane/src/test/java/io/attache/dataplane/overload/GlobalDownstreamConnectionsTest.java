package io.attache.dataplane.overload;

import static io.attache.dataplane.overload.OverloadActionName.STOP_ACCEPTING_REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The proactive {@code global_downstream_max_connections} monitor as Envoy 1.40 runs it: a budget
 * taken per accepted connection and given back on close, refusals counted in {@code
 * failed_updates}, a {@code pressure} that stays 0, triggers naming it that never fire (and never
 * hold back the action's other triggers), and the configs Envoy refuses. On a scheduler the test
 * fires and a heap reading the test sets.
 */
class GlobalDownstreamConnectionsTest {
  private static final String MONITOR = "envoy.resource_monitors.global_downstream_max_connections";
  private static final String LIMIT_TWO =
      """
      overload_manager:
        refresh_interval: 0.25s
        resource_monitors:
        - name: "envoy.resource_monitors.global_downstream_max_connections"
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
            max_active_downstream_connections: 2
      """;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final StatsStore stats = new StatsStore();
  private final AtomicLong usedBytes = new AtomicLong();
  private final AtomicLong nanos = new AtomicLong();
  private final JvmHeap heap =
      new JvmHeap() {
        @Override
        public long usedBytes() {
          return usedBytes.get();
        }

        @Override
        public void releaseFreeMemory() {
          // not configured here
        }
      };

  private static OverloadManagerConfig config(String yaml) throws ConfigException {
    return OverloadManagerConfig.from(
        BootstrapLoader.parse(yaml, false).getOverloadManager(), "overload_manager");
  }

  private OverloadManager started(String yaml) throws ConfigException {
    OverloadManager manager = new OverloadManager(config(yaml), heap, scheduler, nanos::get, stats);
    manager.start();
    return manager;
  }

  @Test
  void admitsUpToTheLimitRefusesTheNextAndCountsTheRefusalAsAFailedUpdate() throws Exception {
    GlobalDownstreamConnections budget = started(LIMIT_TWO).downstreamConnections();

    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isFalse();
    assertThat(budget.tryAcquire()).isFalse();

    assertThat(budget.active()).isEqualTo(2);
    assertThat(stats.counter("overload." + MONITOR + ".failed_updates").value()).isEqualTo(2);
  }

  @Test
  void aClosedConnectionGivesItsShareBackForTheNextOne() throws Exception {
    GlobalDownstreamConnections budget = started(LIMIT_TWO).downstreamConnections();
    budget.tryAcquire();
    budget.tryAcquire();

    budget.release();

    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isFalse();
    assertThat(stats.counter("overload." + MONITOR + ".failed_updates").value()).isOne();
  }

  @Test
  void aGiveBackWithNoShareHeldFailsAndCountsAsEnvoysDoes() throws Exception {
    GlobalDownstreamConnections budget = started(LIMIT_TWO).downstreamConnections();
    budget.tryAcquire();

    // An ignore_global_conn_limit listener's connection took nothing but gives back on close.
    budget.release();
    budget.release();

    assertThat(budget.active()).isZero();
    assertThat(stats.counter("overload." + MONITOR + ".failed_updates").value()).isOne();
    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isTrue();
    assertThat(budget.tryAcquire()).isFalse();
  }

  @Test
  void refreshesNeverMoveItsPressureWhichStaysZeroAsEnvoysDoes() throws Exception {
    GlobalDownstreamConnections budget = started(LIMIT_TWO).downstreamConnections();
    budget.tryAcquire();
    budget.tryAcquire();

    scheduler.runPending();
    scheduler.runPending();

    assertThat(stats.gauges()).containsKey("overload." + MONITOR + ".pressure");
    assertThat(stats.gauge("overload." + MONITOR + ".pressure").value()).isZero();
    assertThat(stats.counters()).doesNotContainKey("overload." + MONITOR + ".skipped_updates");
  }

  @Test
  void aTriggerNamingItNeverFiresNorHoldsBackTheActionsOtherTriggers() throws Exception {
    OverloadManager manager =
        started(
            LIMIT_TWO
                + """
                  - name: "envoy.resource_monitors.fixed_heap"
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                      max_heap_size_bytes: 1000
                  actions:
                  - name: "envoy.overload_actions.stop_accepting_requests"
                    triggers:
                    - name: "envoy.resource_monitors.global_downstream_max_connections"
                      threshold: { value: 0.0 }
                    - name: "envoy.resource_monitors.fixed_heap"
                      threshold: { value: 0.95 }
                """);
    manager.downstreamConnections().tryAcquire();
    manager.downstreamConnections().tryAcquire();

    usedBytes.set(100);
    scheduler.runPending();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isZero();

    usedBytes.set(990);
    scheduler.runPending();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isEqualTo(1.0);

    usedBytes.set(100);
    scheduler.runPending();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isZero();
  }

  @Test
  void withoutTheMonitorEveryConnectionIsAdmittedAndNothingIsCounted() throws Exception {
    GlobalDownstreamConnections budget =
        started(
                """
                overload_manager:
                  resource_monitors:
                  - name: "envoy.resource_monitors.fixed_heap"
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                      max_heap_size_bytes: 1000
                """)
            .downstreamConnections();

    for (int i = 0; i < 10_000; i++) {
      assertThat(budget.tryAcquire()).isTrue();
    }
    assertThat(budget).isSameAs(GlobalDownstreamConnections.UNLIMITED);
    assertThat(stats.counters()).doesNotContainKey("overload." + MONITOR + ".failed_updates");
  }

  @Test
  void refusesALimitOfZeroAsEnvoysProtoValidationDoes() {
    assertThatThrownBy(
            () ->
                config(
                    LIMIT_TWO.replace(
                        "max_active_downstream_connections: 2",
                        "max_active_downstream_connections: 0")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "overload_manager.resource_monitors[0].typed_config.max_active_downstream_connections")
        .hasMessageContaining("must be greater than 0");
  }

  @Test
  void refusesTheMonitorWithoutItsConfig() {
    assertThatThrownBy(
            () ->
                config(
                    """
                    overload_manager:
                      resource_monitors:
                      - name: "envoy.resource_monitors.global_downstream_max_connections"
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.resource_monitors[0].typed_config")
        .hasMessageContaining("DownstreamConnectionsConfig");
  }

  @Test
  void refusesItsConfigUnderAnotherNameAsEnvoyFindsNoImplementation() {
    assertThatThrownBy(() -> config(LIMIT_TWO.replace('"' + MONITOR + '"', "connections")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.resource_monitors[0].typed_config")
        .hasMessageContaining("DownstreamConnectionsConfig is not supported");
  }

  @Test
  void refusesTheMonitorTwice() {
    String twice =
        LIMIT_TWO
            + """
              - name: "envoy.resource_monitors.global_downstream_max_connections"
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
                  max_active_downstream_connections: 3
            """;
    assertThatThrownBy(() -> config(twice))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.resource_monitors[1].name")
        .hasMessageContaining("duplicate resource monitor");
  }

  @Test
  void refusesReduceTimeoutsWhichAttacheDoesNotRun() {
    String scaledTimers =
        LIMIT_TWO
            + """
                actions:
                - name: "envoy.overload_actions.reduce_timeouts"
                  triggers:
                  - name: "envoy.resource_monitors.global_downstream_max_connections"
                    scaled: { scaling_threshold: 0.5, saturation_threshold: 0.9 }
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.overload.v3.ScaleTimersOverloadActionConfig
                    timer_scale_factors:
                    - timer: HTTP_DOWNSTREAM_CONNECTION_IDLE
                      min_timeout: 2s
              """;
    assertThatThrownBy(() -> config(scaledTimers))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.actions[0].name")
        .hasMessageContaining("envoy.overload_actions.reduce_timeouts' is not supported");
  }
}
