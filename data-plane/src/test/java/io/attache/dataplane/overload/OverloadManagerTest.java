package io.attache.dataplane.overload;

import static io.attache.dataplane.overload.OverloadActionName.DISABLE_HTTP_KEEPALIVE;
import static io.attache.dataplane.overload.OverloadActionName.STOP_ACCEPTING_REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The overload manager on a scheduler the test fires and a heap whose reading the test sets:
 * threshold and scaled triggers, the largest trigger winning, a failing monitor keeping its state,
 * {@code shrink_heap}'s 10 s cadence, Envoy's stat names, and the configs Envoy refuses.
 */
class OverloadManagerTest {
  private static final String EDGE =
      """
      overload_manager:
        refresh_interval: 0.25s
        resource_monitors:
        - name: "envoy.resource_monitors.fixed_heap"
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
            max_heap_size_bytes: 1000
        actions:
        - name: "envoy.overload_actions.shrink_heap"
          triggers:
          - name: "envoy.resource_monitors.fixed_heap"
            threshold: { value: 0.90 }
        - name: "envoy.overload_actions.stop_accepting_requests"
          triggers:
          - name: "envoy.resource_monitors.fixed_heap"
            threshold: { value: 0.95 }
        - name: "envoy.overload_actions.disable_http_keepalive"
          triggers:
          - name: "envoy.resource_monitors.fixed_heap"
            scaled: { scaling_threshold: 0.80, saturation_threshold: 0.90 }
      """;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final StatsStore stats = new StatsStore();
  private final AtomicLong usedBytes = new AtomicLong();
  private final AtomicLong nanos = new AtomicLong();
  private final AtomicInteger releases = new AtomicInteger();
  private volatile boolean readingFails;

  private final JvmHeap heap =
      new JvmHeap() {
        @Override
        public long usedBytes() {
          if (readingFails) {
            throw new IllegalStateException("no reading");
          }
          return usedBytes.get();
        }

        @Override
        public void releaseFreeMemory() {
          releases.incrementAndGet();
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

  private long gauge(String name) {
    return stats.gauge(name).value();
  }

  private void refreshAt(long used) {
    usedBytes.set(used);
    // Fires the refresh task and the shrink task together; each schedules its successor.
    scheduler.runPending();
  }

  @Test
  void theFirstRefreshIsOneRefreshIntervalAfterStartAndEachSchedulesTheNext() throws Exception {
    started(EDGE);

    assertThat(scheduler.pendingDelays())
        .containsExactlyInAnyOrder(Duration.ofMillis(250), Duration.ofSeconds(10));
    usedBytes.set(500);
    scheduler.runPending();

    assertThat(gauge("overload.envoy.resource_monitors.fixed_heap.pressure")).isEqualTo(50);
    assertThat(scheduler.pendingDelays())
        .containsExactlyInAnyOrder(Duration.ofMillis(250), Duration.ofSeconds(10));
  }

  @Test
  void eachRefreshRecordsTheMillisecondsSinceThePreviousMeasurementAsEnvoyDoes() throws Exception {
    started(EDGE);
    var delays = stats.histogram("overload.refresh_interval_delay");
    assertThat(delays.used()).isFalse();

    nanos.addAndGet(Duration.ofMillis(250).toNanos());
    scheduler.runPending();
    nanos.addAndGet(Duration.ofMillis(400).toNanos());
    scheduler.runPending();

    var recorded = delays.statistics().cumulative();
    assertThat(recorded.sampleCount()).isEqualTo(2);
    // Binned as Envoy's histograms are (two significant digits): 250 and 400 come back as such.
    assertThat(recorded.sampleSum()).isCloseTo(650, org.assertj.core.data.Offset.offset(10.0));
  }

  @Test
  void aThresholdTriggerSaturatesItsActionAtTheThresholdAndReleasesItBelow() throws Exception {
    OverloadManager manager = started(EDGE);

    refreshAt(949);
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isZero();
    assertThat(gauge("overload.envoy.overload_actions.stop_accepting_requests.active")).isZero();

    refreshAt(950);
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isEqualTo(1.0);
    assertThat(gauge("overload.envoy.overload_actions.stop_accepting_requests.active")).isOne();
    assertThat(gauge("overload.envoy.overload_actions.stop_accepting_requests.scale_percent"))
        .isEqualTo(100);
    assertThat(gauge("overload.envoy.resource_monitors.fixed_heap.pressure")).isEqualTo(95);

    refreshAt(400);
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isZero();
    assertThat(gauge("overload.envoy.overload_actions.stop_accepting_requests.active")).isZero();
  }

  @Test
  void aScaledTriggerScalesLinearlyBetweenItsThresholdsAndSaturatesAtTheTop() throws Exception {
    OverloadManager manager = started(EDGE);

    refreshAt(800);
    assertThat(manager.value(DISABLE_HTTP_KEEPALIVE)).isZero();

    refreshAt(850);
    assertThat(manager.value(DISABLE_HTTP_KEEPALIVE)).isCloseTo(0.5, within());
    assertThat(gauge("overload.envoy.overload_actions.disable_http_keepalive.scale_percent"))
        .isEqualTo(49); // Envoy truncates 0.4999... * 100 the same way
    assertThat(gauge("overload.envoy.overload_actions.disable_http_keepalive.active")).isZero();

    refreshAt(900);
    assertThat(manager.value(DISABLE_HTTP_KEEPALIVE)).isEqualTo(1.0);
    assertThat(gauge("overload.envoy.overload_actions.disable_http_keepalive.active")).isOne();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }

  @Test
  void anActionTakesTheLargestStateAnyOfItsTriggersAsksFor() throws Exception {
    OverloadManager manager =
        started(
            """
            overload_manager:
              resource_monitors:
              - name: small
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                  max_heap_size_bytes: 1000
              - name: large
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
                  max_heap_size_bytes: 4000
              actions:
              - name: "envoy.overload_actions.stop_accepting_requests"
                triggers:
                - name: large
                  threshold: { value: 0.5 }
                - name: small
                  scaled: { scaling_threshold: 0.5, saturation_threshold: 1.0 }
            """);
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(1));

    usedBytes.set(750); // small: 0.75 → 0.5 scaled; large: 0.1875 → 0
    scheduler.runPending();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isCloseTo(0.5, within());

    usedBytes.set(2000); // large reaches its threshold
    scheduler.runPending();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isEqualTo(1.0);
  }

  @Test
  void aFailingReadingCountsAFailedUpdateAndKeepsTheLastState() throws Exception {
    OverloadManager manager = started(EDGE);
    refreshAt(990);
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isEqualTo(1.0);

    readingFails = true;
    refreshAt(0);

    assertThat(stats.counter("overload.envoy.resource_monitors.fixed_heap.failed_updates").value())
        .isOne();
    assertThat(manager.value(STOP_ACCEPTING_REQUESTS)).isEqualTo(1.0);
    assertThat(gauge("overload.envoy.resource_monitors.fixed_heap.pressure")).isEqualTo(99);
  }

  @Test
  void shrinkHeapReleasesFreeMemoryEveryTenSecondsOnlyWhileSaturated() throws Exception {
    started(EDGE);
    refreshAt(100); // runs the refresh and the (inactive) shrink check together
    assertThat(releases).hasValue(0);

    refreshAt(900);
    assertThat(releases).hasValue(1);
    refreshAt(100);
    assertThat(releases).hasValue(1);
    assertThat(stats.counter("overload.envoy.overload_actions.shrink_heap.shrink_count").value())
        .isOne();
    assertThat(scheduler.pendingDelays()).contains(Duration.ofSeconds(10));
  }

  @Test
  void closingStopsTheRefreshes() throws Exception {
    OverloadManager manager = started(EDGE);

    manager.close();

    assertThat(scheduler.pending()).isEmpty();
  }

  @Test
  void refusesATriggerNamingAMonitorThatIsNotConfigured() {
    assertThatThrownBy(
            () ->
                config(
                    EDGE.replace(
                        "- name: \"envoy.resource_monitors.fixed_heap\"\n      threshold: { value: 0.95 }",
                        "- name: other\n      threshold: { value: 0.95 }")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.actions[1].triggers[0].name")
        .hasMessageContaining("unknown trigger resource 'other'");
  }

  @Test
  void refusesAScaledTriggerWhoseScalingThresholdIsNotBelowSaturation() {
    assertThatThrownBy(
            () ->
                config(
                    EDGE.replace(
                        "scaling_threshold: 0.80, saturation_threshold: 0.90",
                        "scaling_threshold: 0.90, saturation_threshold: 0.90")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.actions[2].triggers[0].scaled")
        .hasMessageContaining("scaling_threshold must be less than saturation_threshold");
  }

  @Test
  void refusesAnActionAttacheDoesNotRunInsteadOfIgnoringIt() {
    assertThatThrownBy(
            () ->
                config(
                    EDGE.replace(
                        "envoy.overload_actions.shrink_heap",
                        "envoy.overload_actions.reset_high_memory_stream")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.actions[0].name")
        .hasMessageContaining("is not supported");
  }

  @Test
  void refusesAResourceMonitorOtherThanFixedHeap() {
    assertThatThrownBy(
            () ->
                config(
                    """
                    overload_manager:
                      resource_monitors:
                      - name: "envoy.resource_monitors.injected_resource"
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.resource_monitors.injected_resource.v3.InjectedResourceConfig
                          filename: /tmp/pressure
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.resource_monitors[0].typed_config")
        .hasMessageContaining("InjectedResourceConfig");
  }

  @Test
  void refusesADuplicateAction() {
    assertThatThrownBy(
            () ->
                config(
                    EDGE.replace(
                        "envoy.overload_actions.disable_http_keepalive",
                        "envoy.overload_actions.stop_accepting_requests")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overload_manager.actions[2].name")
        .hasMessageContaining("duplicate overload action");
  }

  @Test
  void withoutShrinkHeapNoShrinkTimerRunsAndNoShrinkCountExists() throws Exception {
    started(
        """
        overload_manager:
          resource_monitors:
          - name: "envoy.resource_monitors.fixed_heap"
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
              max_heap_size_bytes: 1000
          actions:
          - name: "envoy.overload_actions.stop_accepting_requests"
            triggers:
            - name: "envoy.resource_monitors.fixed_heap"
              threshold: { value: 0.95 }
        """);

    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(1));
    assertThat(stats.counters())
        .doesNotContainKey("overload.envoy.overload_actions.shrink_heap.shrink_count");
  }
}
