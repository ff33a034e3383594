package io.attache.controlplane.differential;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminStatsTest {

  @Test
  void reportsOnlyTheStatsUnderThePrefixesThatMovedWithTheirDelta() {
    Map<String, Long> before =
        Map.of(
            "cluster.a.upstream_rq_total", 3L,
            "cluster.a.upstream_rq_503", 1L,
            "cluster.b.upstream_rq_total", 7L,
            "http.edge.rq_direct_response", 0L);
    Map<String, Long> after =
        Map.of(
            "cluster.a.upstream_rq_total", 5L,
            "cluster.a.upstream_rq_503", 1L,
            "cluster.b.upstream_rq_total", 9L,
            "http.edge.rq_direct_response", 2L);

    assertThat(AdminStats.moved(before, after, List.of("cluster.a.", "http.edge.")))
        .containsExactly(
            Map.entry("cluster.a.upstream_rq_total", "2"),
            Map.entry("http.edge.rq_direct_response", "2"));
  }

  @Test
  void aStatThatDisappearedIsReportedAsGone() {
    assertThat(
            AdminStats.moved(
                Map.of("cluster.a.upstream_cx_active", 1L), Map.of(), List.of("cluster.a.")))
        .containsExactly(Map.entry("cluster.a.upstream_cx_active", "<gone>"));
  }
}
