package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.stats.TagExtractor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The histogram renderings against what a stock Envoy 1.40.0 printed for the same recorded values
 * (captured from its admin endpoint: 20 requests, a flush, 10 more, a flush).
 */
class StatsFormatsTest {
  private final StatsStore store = new StatsStore();

  @BeforeEach
  void recordWhatEnvoyRecorded() {
    Histogram h = store.histogram("cluster.backend.upstream_rq_time");
    // Before the last interval: cumulative totals minus the interval's values.
    record(h, Map.of(0L, 1, 1L, 9, 2L, 2, 3L, 3, 5L, 1, 9L, 1, 13L, 1, 14L, 1, 18L, 1));
    h.flush();
    record(h, Map.of(1L, 2, 2L, 1, 5L, 2, 6L, 2, 8L, 2, 13L, 1));
    h.flush();
    store.histogram("http.admin.downstream_rq_time");
    store.counter("cluster.backend.upstream_rq_timeout");
  }

  private static void record(Histogram h, Map<Long, Integer> valueTimes) {
    valueTimes.forEach(
        (value, times) -> {
          for (int i = 0; i < times; i++) {
            h.record(value);
          }
        });
  }

  private String text(String query) {
    return StatsFormats.text(store, params(query));
  }

  private static StatsParams params(String query) {
    Map<String, List<String>> parsed =
        new io.netty.handler.codec.http.QueryStringDecoder("/stats?" + query).parameters();
    return StatsParams.parse(parsed).params().orElseThrow();
  }

  @Test
  void textShowsEnvoysQuantileSummaryOfIntervalAndCumulativeValues() {
    assertThat(text("filter=upstream_rq_time"))
        .isEqualTo(
            "cluster.backend.upstream_rq_timeout: 0\n"
                + "cluster.backend.upstream_rq_time: P0(1.0333333333333334,0)"
                + " P25(2.05,1.0583333333333333) P50(5.066666666666666,2.075)"
                + " P75(8.033333333333333,6.066666666666666)"
                + " P90(8.066666666666666,13.333333333333334) P95(13.5,14.5) P99(13.5,18.5)"
                + " P99.5(13.5,18.5) P99.9(13.5,18.5) P100(13.5,18.5)\n");
    assertThat(text("filter=http.admin"))
        .isEqualTo("http.admin.downstream_rq_time: No recorded values\n");
  }

  @Test
  void textRendersEnvoysCumulativeDisjointAndDetailedBuckets() {
    assertThat(text("filter=rq_time$&histogram_buckets=cumulative"))
        .isEqualTo(
            "cluster.backend.upstream_rq_time: B0.5(0,1) B1(2,12) B5(5,21) B10(9,26) B25(10,30)"
                + " B50(10,30) B100(10,30) B250(10,30) B500(10,30) B1000(10,30) B2500(10,30)"
                + " B5000(10,30) B10000(10,30) B30000(10,30) B60000(10,30) B300000(10,30)"
                + " B600000(10,30) B1.8e+06(10,30) B3.6e+06(10,30)\n"
                + "http.admin.downstream_rq_time: No recorded values\n");
    assertThat(text("filter=upstream_rq_time$&histogram_buckets=disjoint"))
        .startsWith(
            "cluster.backend.upstream_rq_time: B0.5(0,1) B1(2,11) B5(3,9) B10(4,5) B25(1,4)"
                + " B50(0,0)");
    assertThat(text("filter=upstream_rq_time$&histogram_buckets=detailed"))
        .isEqualTo(
            "cluster.backend.upstream_rq_time:\n"
                + "  totals=0,0:1, 1,0.1:11, 2,0.1:3, 3,0.1:3, 5,0.1:3, 6,0.1:2, 8,0.1:2,"
                + " 9,0.1:1, 13,1:2, 14,1:1, 18,1:1\n"
                + "  intervals=1,0.1:2, 2,0.1:1, 5,0.1:2, 6,0.1:2, 8,0.1:2, 13,1:1\n"
                + "  summary=P0(1.0333333333333334,0) P25(2.05,1.0583333333333333)"
                + " P50(5.066666666666666,2.075) P75(8.033333333333333,6.066666666666666)"
                + " P90(8.066666666666666,13.333333333333334) P95(13.5,14.5) P99(13.5,18.5)"
                + " P99.5(13.5,18.5) P99.9(13.5,18.5) P100(13.5,18.5)\n");
  }

  @Test
  void prometheusSummaryIsTheLastIntervalPrintedAsEnvoyPrintsIt() {
    assertThat(
            StatsFormats.prometheus(
                store,
                params("filter=upstream_rq_time$&histogram_buckets=summary"),
                TagExtractor.envoyDefaults()))
        .isEqualTo(
            "# TYPE envoy_cluster_upstream_rq_time summary\n"
                + q("0", "1.0333333333333334369541489650146")
                + q("0.25", "2.049999999999999822364316059975")
                + q("0.5", "5.0666666666666664298190880799666")
                + q("0.75", "8.0333333333333332149095440399833")
                + q("0.9", "8.0666666666666664298190880799666")
                + q("0.95", "13.5")
                + q("0.99", "13.5")
                + q("0.995", "13.5")
                + q("0.999", "13.5")
                + q("1", "13.5")
                + "envoy_cluster_upstream_rq_time_sum{envoy_cluster_name=\"backend\"}"
                + " 55.923062401221137918128079036251\n"
                + "envoy_cluster_upstream_rq_time_count{envoy_cluster_name=\"backend\"} 10\n");
  }

  private static String q(String quantile, String value) {
    return "envoy_cluster_upstream_rq_time{envoy_cluster_name=\"backend\",quantile=\""
        + quantile
        + "\"} "
        + value
        + "\n";
  }

  @Test
  void prometheusHistogramHasEnvoysBoundsAndAnUnusedOneHasZeros() {
    String out =
        StatsFormats.prometheus(store, params("filter=admin"), TagExtractor.envoyDefaults());
    assertThat(out)
        .startsWith(
            "# TYPE envoy_http_downstream_rq_time histogram\n"
                + "envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"admin\","
                + "le=\"0.5\"} 0\n")
        .contains("le=\"300000\"} 0\n")
        .endsWith(
            "envoy_http_downstream_rq_time_sum{envoy_http_conn_manager_prefix=\"admin\"} 0\n"
                + "envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix=\"admin\"}"
                + " 0\n");
    assertThat(StatsFormats.prometheusSupports(params("histogram_buckets=detailed").buckets()))
        .isFalse();
  }

  @Test
  void jsonHasEnvoysHistogramShapesForEachBucketMode() {
    String summary = StatsFormats.json(store, params("filter=upstream_rq_time$"));
    assertThat(summary)
        .startsWith(
            "{\"stats\":[{\"histograms\":{\"supported_quantiles\":[0,25,50,75,90,95,99,99.5,99.9,100],"
                + "\"computed_quantiles\":[{\"name\":\"cluster.backend.upstream_rq_time\",\"values\":["
                + "{\"cumulative\":0,\"interval\":1.0333333333333334},"
                + "{\"cumulative\":1.0583333333333333,\"interval\":2.05},");
    assertThat(StatsFormats.json(store, params("filter=admin")))
        .contains("{\"cumulative\":null,\"interval\":null}");
    assertThat(StatsFormats.json(store, params("filter=admin&histogram_buckets=cumulative")))
        .startsWith(
            "{\"stats\":[{\"histograms\":[{\"name\":\"http.admin.downstream_rq_time\",\"buckets\":"
                + "[{\"upper_bound\":0.5,\"interval\":0,\"cumulative\":0},")
        .contains("{\"upper_bound\":3e+05,\"interval\":0,\"cumulative\":0}")
        .contains("{\"upper_bound\":1800000,\"interval\":0,\"cumulative\":0}");
    assertThat(
            StatsFormats.json(store, params("filter=upstream_rq_time$&histogram_buckets=detailed")))
        .startsWith(
            "{\"stats\":[{\"histograms\":{\"supported_percentiles\":[0,25,50,75,90,95,99,99.5,99.9,100],"
                + "\"details\":[{\"name\":\"cluster.backend.upstream_rq_time\",\"totals\":["
                + "{\"lower_bound\":0,\"width\":0,\"count\":1},{\"lower_bound\":1,\"width\":0.1,\"count\":11},");
    assertThat(StatsFormats.json(store, params("filter=nothing"))).isEqualTo("{\"stats\":[]}");
  }

  @Test
  void typeAndInvertFilterSelectLikeEnvoy() {
    assertThat(text("type=Counters")).isEqualTo("cluster.backend.upstream_rq_timeout: 0\n");
    assertThat(text("type=Histograms&filter=backend&invert_filter"))
        .isEqualTo("http.admin.downstream_rq_time: No recorded values\n");
    assertThat(text("usedonly")).startsWith("cluster.backend.upstream_rq_time: P0(");
    assertThat(StatsParams.parse(Map.of("type", List.of("bogus"))).error().orElseThrow().body())
        .isEqualTo("invalid &type= param\n");
    assertThat(
            StatsParams.parse(Map.of("histogram_buckets", List.of("x")))
                .error()
                .orElseThrow()
                .status())
        .isEqualTo(400);
  }
}
