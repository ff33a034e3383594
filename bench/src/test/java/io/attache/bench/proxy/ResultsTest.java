package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsTest {
  private final Results results =
      new Results(List.of("direct", "nginx", "haproxy", "attache"), "attache", 3);

  @Test
  void takesTheMedianOfValidRoundsOnly() {
    assertThat(Results.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Results.median(new double[] {4, Double.NaN, 1, 2, 3})).isEqualTo(2.5);
    assertThat(Results.median(new double[] {Double.NaN})).isNaN();
  }

  @Test
  void showsLatencyAsAddedOverDirectInTheSameRound() {
    double[] direct = {50, 60, 70};
    double[] attache = {120, 200, 150};
    for (int r = 0; r < 3; r++) {
      results.record(Metric.P50_ADDED, "direct", r, direct[r]);
      results.record(Metric.P50_ADDED, "attache", r, attache[r]);
    }

    // Added per round: 70, 140, 80 -> median 80; direct keeps its absolute median.
    assertThat(results.median(Metric.P50_ADDED, "attache")).isEqualTo(80);
    assertThat(results.median(Metric.P50_ADDED, "direct")).isEqualTo(60);
  }

  @Test
  void printsMediansAndThePrimarysRatiosAgainstEachReference() {
    for (int r = 0; r < 3; r++) {
      results.record(Metric.RPS_1K, "direct", r, 60000);
      results.record(Metric.RPS_1K, "nginx", r, 30000);
      results.record(Metric.RPS_1K, "haproxy", r, 40000);
      results.record(Metric.RPS_1K, "attache", r, 20000);
    }

    String table = results.table();

    assertThat(table)
        .contains("| attache ÷ direct | attache ÷ nginx | attache ÷ haproxy |")
        .contains(
            "| HTTP/1.1 1 KB, 32 connections | req/s | 60,000 | 30,000 | 40,000 | 20,000 | 0.33×"
                + " | 0.67× | 0.50× |")
        .contains("| HTTP/1.1 64 KB, 32 connections | req/s | n/a | n/a | n/a | n/a | n/a");
  }

  @Test
  void envoyGetsARatioColumnAndStartUpIsShownForTheContestantsThatHaveIt() {
    Results withEnvoy = new Results(List.of("direct", "haproxy", "envoy", "attache"), "attache", 3);
    for (int r = 0; r < 3; r++) {
      withEnvoy.record(Metric.RPS_1K, "envoy", r, 25000);
      withEnvoy.record(Metric.RPS_1K, "attache", r, 20000);
    }
    withEnvoy.record(Metric.STARTUP, "envoy", 0, 120);
    withEnvoy.record(Metric.STARTUP, "attache", 0, 900);

    String table = withEnvoy.table();

    assertThat(table)
        .contains("| attache ÷ direct | attache ÷ haproxy | attache ÷ envoy |")
        .contains(
            "| HTTP/1.1 1 KB, 32 connections | req/s | n/a | n/a | 25,000 | 20,000 | n/a | n/a | 0.80× |")
        .contains(
            "| start-up: process start → admin /ready LIVE | ms | n/a | n/a | 120 | 900 | n/a | n/a | 7.50× |");
  }
}
