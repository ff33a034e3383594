package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
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
  void countsAResponseByClassAndCode() {
    stats.countResponse(503);
    stats.countResponse(503);
    stats.countResponse(200);
    stats.countResponse(42);

    assertThat(store.counter("cluster.backend.upstream_rq_5xx").value()).isEqualTo(2);
    assertThat(store.counter("cluster.backend.upstream_rq_503").value()).isEqualTo(2);
    assertThat(store.counter("cluster.backend.upstream_rq_2xx").value()).isEqualTo(1);
    assertThat(store.counter("cluster.backend.upstream_rq_200").value()).isEqualTo(1);
    assertThat(store.counters().keySet()).noneMatch(name -> name.contains("42"));
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
