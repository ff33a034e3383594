package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.host.HostStats;
import org.junit.jupiter.api.Test;

class ClusterStatsTest {
  private final StatsStore store = new StatsStore();
  private final ClusterStats stats = new ClusterStats(store, "backend");

  @Test
  void registersEnvoysClusterStatsUnderTheClusterName() {
    assertThat(store.counters().keySet())
        .contains(
            "cluster.backend.upstream_cx_total",
            "cluster.backend.upstream_cx_connect_fail",
            "cluster.backend.upstream_cx_connect_timeout",
            "cluster.backend.upstream_cx_connect_attempts_exceeded",
            "cluster.backend.upstream_cx_destroy",
            "cluster.backend.upstream_cx_destroy_local",
            "cluster.backend.upstream_cx_destroy_remote",
            "cluster.backend.upstream_cx_http1_total",
            "cluster.backend.upstream_cx_http2_total",
            "cluster.backend.upstream_cx_rx_bytes_total",
            "cluster.backend.upstream_cx_tx_bytes_total",
            "cluster.backend.upstream_rq_total",
            "cluster.backend.upstream_rq_pending_total",
            "cluster.backend.upstream_rq_timeout",
            "cluster.backend.upstream_rq_per_try_timeout",
            "cluster.backend.upstream_rq_per_try_idle_timeout",
            "cluster.backend.upstream_rq_rx_reset",
            "cluster.backend.upstream_rq_tx_reset",
            "cluster.backend.upstream_rq_completed",
            "cluster.backend.update_attempt",
            "cluster.backend.update_success",
            "cluster.backend.update_failure",
            "cluster.backend.lb_healthy_panic");
    assertThat(store.gauges().keySet())
        .containsExactlyInAnyOrder(
            "cluster.backend.upstream_cx_active",
            "cluster.backend.upstream_rq_active",
            "cluster.backend.upstream_rq_pending_active",
            "cluster.backend.membership_total",
            "cluster.backend.membership_healthy",
            "cluster.backend.membership_degraded",
            "cluster.backend.max_host_weight");
  }

  @Test
  void chargesAResponseByClassCodeAndCompletedAndSplitsExternalFromInternalRequests() {
    stats.chargeResponse(503, false);
    stats.chargeResponse(503, false);
    stats.chargeResponse(200, true);
    stats.chargeResponse(42, false);

    assertThat(counter("upstream_rq_completed")).isEqualTo(3);
    assertThat(counter("upstream_rq_5xx")).isEqualTo(2);
    assertThat(counter("upstream_rq_503")).isEqualTo(2);
    assertThat(counter("upstream_rq_2xx")).isEqualTo(1);
    assertThat(counter("upstream_rq_200")).isEqualTo(1);
    assertThat(counter("external.upstream_rq_completed")).isEqualTo(2);
    assertThat(counter("external.upstream_rq_503")).isEqualTo(2);
    assertThat(counter("external.upstream_rq_5xx")).isEqualTo(2);
    assertThat(counter("internal.upstream_rq_completed")).isEqualTo(1);
    assertThat(counter("internal.upstream_rq_200")).isEqualTo(1);
    assertThat(store.counters().keySet())
        .noneMatch(name -> name.contains("42"))
        .doesNotContain("cluster.backend.external.upstream_rq_200");
  }

  @Test
  void chargesARetriedResponseUnderRetryOnlyAsEnvoyDoes() {
    stats.chargeRetriedResponse(503);
    stats.chargeRetriedResponse(503);

    assertThat(counter("retry.upstream_rq_completed")).isEqualTo(2);
    assertThat(counter("retry.upstream_rq_5xx")).isEqualTo(2);
    assertThat(counter("retry.upstream_rq_503")).isEqualTo(2);
    assertThat(counter("upstream_rq_completed")).isZero();
    assertThat(store.counters().keySet()).doesNotContain("cluster.backend.upstream_rq_503");
  }

  private long counter(String stat) {
    return store.counter("cluster.backend." + stat).value();
  }

  @Test
  void countsHostRequestsForTheAdminPage() {
    HostStats host = new HostStats();
    host.onConnectionOpened();
    host.onRequestStarted();
    host.onRequestStarted();
    host.onRequestFinished(HostStats.RequestOutcome.SUCCESS);
    host.onRequestFinished(HostStats.RequestOutcome.TIMEOUT);

    assertThat(host.snapshot())
        .containsEntry("cx_total", 1L)
        .containsEntry("cx_active", 1L)
        .containsEntry("rq_total", 2L)
        .containsEntry("rq_active", 0L)
        .containsEntry("rq_success", 1L)
        .containsEntry("rq_error", 1L)
        .containsEntry("rq_timeout", 1L);
  }
}
