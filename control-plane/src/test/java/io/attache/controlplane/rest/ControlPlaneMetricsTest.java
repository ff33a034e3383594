package io.attache.controlplane.rest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControlPlaneMetricsTest {
  private final ControlPlaneMetrics metrics =
      new ControlPlaneMetrics(
              () -> 3, () -> 5, () -> 2, () -> 40, () -> 2, () -> 7, () -> 12, () -> 1)
          .withSyncStatus(() -> Map.of("SYNCED", 2L, "STALE", 1L))
          .withGroups(() -> Map.of("web", 2L, "orders", 1L));

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void gaugesAndCountersStillReadTheirOwnersAfterAGarbageCollection() {
    // Micrometer holds a gauge's object weakly by default; the suppliers are lambdas nothing else
    // references, so a collection used to turn every such series into NaN.
    for (int i = 0; i < 3; i++) {
      System.gc();
    }

    assertThat(metrics.render())
        .contains(
            "attache_cp_xds_connected_proxies 3.0\n",
            "attache_cp_xds_streams 5.0\n",
            "attache_cp_xds_acks_total 40.0\n",
            "attache_cp_store_up 1.0\n")
        .doesNotContain("NaN");
  }

  @Test
  void everySeriesOfTheHandRolledPageIsStillThereWithItsNameAndLabels() {
    metrics.writeAccepted();
    metrics.writeRejected();
    metrics.unauthenticated();
    metrics.forbidden();

    assertThat(metrics.render())
        .contains(
            "attache_cp_rest_writes_accepted_total 1.0\n",
            "attache_cp_rest_writes_rejected_total 1.0\n",
            "attache_cp_rest_unauthenticated_total 1.0\n",
            "attache_cp_rest_forbidden_total 1.0\n",
            "attache_cp_xds_connected_proxies 3.0\n",
            "attache_cp_xds_streams 5.0\n",
            "attache_cp_xds_node_groups 2.0\n",
            "attache_cp_xds_acks_total 40.0\n",
            "attache_cp_xds_nacks_total 2.0\n",
            "attache_cp_snapshot_pushes_total 7.0\n",
            "attache_cp_store_revision 12.0\n",
            "attache_cp_store_up 1.0\n",
            "attache_cp_xds_proxies{verdict=\"SYNCED\"} 2.0\n",
            "attache_cp_xds_proxies{verdict=\"STALE\"} 1.0\n",
            "attache_cp_xds_proxies{verdict=\"PENDING\"} 0.0\n");
  }

  @Test
  void latenciesAreHistogramsByTypeApiRouteAndStatusAndNacksAreCountedByType() {
    metrics.acked(
        "type.googleapis.com/envoy.config.cluster.v3.Cluster", "sotw", Duration.ofMillis(120));
    metrics.acked(
        "type.googleapis.com/envoy.config.listener.v3.Listener", "delta", Duration.ofMillis(30));
    metrics.nacked("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "sotw");
    metrics.restRequest("/api/v1/routes/{name}", "PUT", 200, Duration.ofMillis(8));
    metrics.storeCommit(Duration.ofMillis(3));

    String text = metrics.render();

    assertThat(text)
        .contains(
            "attache_cp_xds_push_ack_seconds_count{api=\"sotw\",type=\"Cluster\"} 1\n",
            "attache_cp_xds_push_ack_seconds_sum{api=\"sotw\",type=\"Cluster\"} 0.12\n",
            "attache_cp_xds_push_ack_seconds_count{api=\"delta\",type=\"Listener\"} 1\n",
            "attache_cp_xds_nacks_by_type_total{api=\"sotw\",type=\"RouteConfiguration\"} 1.0\n",
            "attache_cp_rest_requests_seconds_count{method=\"PUT\",route=\"/api/v1/routes/{name}\",status=\"200\"} 1\n",
            "attache_cp_store_commit_seconds_count 1\n",
            "attache_cp_xds_proxies_by_group{group=\"web\"} 2.0\n",
            "attache_cp_xds_proxies_by_group{group=\"orders\"} 1.0\n");
    assertThat(text)
        .containsPattern(
            "attache_cp_xds_push_ack_seconds_bucket\\{api=\"sotw\",type=\"Cluster\",le=\"[0-9.]+\"\\} 1\n")
        .contains(
            "attache_cp_xds_push_ack_seconds_bucket{api=\"sotw\",type=\"Cluster\",le=\"+Inf\"} 1\n");
  }

  @Test
  void theJvmAndTheProcessAreMeasured() {
    assertThat(metrics.render())
        .contains(
            "jvm_memory_used_bytes{",
            "jvm_gc_",
            "jvm_threads_live_threads ",
            "jvm_classes_loaded_classes ",
            "process_cpu_usage ",
            "process_uptime_seconds ",
            "process_cpu_seconds_total ")
        .doesNotContain("process_cpu_time_ns_total", "system_cpu_count");
  }
}
