package io.attache.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistogramTest {
  private final StatsStore store = new StatsStore();
  private final Histogram histogram = store.histogram("cluster.backend.upstream_rq_time");

  private void record(long value, int times) {
    for (int i = 0; i < times; i++) {
      histogram.record(value);
    }
  }

  @Test
  void binsIntegersWithTwoSignificantDigitsAsLibcircllhistDoes() {
    record(0, 1);
    record(7, 1);
    record(13, 2);
    record(150, 1);
    record(159, 1);
    record(4_000_000, 1);
    assertThat(histogram.statistics().cumulative().bins())
        .containsExactly(
            new HistogramBins.Bin(0, 0, 1),
            new HistogramBins.Bin(7, 0.1, 1),
            new HistogramBins.Bin(13, 1, 2),
            new HistogramBins.Bin(150, 10, 2),
            new HistogramBins.Bin(4_000_000, 100_000, 1));
  }

  @Test
  void aNegativeValueCountsAsZeroAndTheLargestLongHasABin() {
    histogram.record(-5);
    histogram.record(Long.MAX_VALUE);
    List<HistogramBins.Bin> bins = histogram.statistics().cumulative().bins();
    assertThat(bins).hasSize(2);
    assertThat(bins.get(0)).isEqualTo(new HistogramBins.Bin(0, 0, 1));
    assertThat(bins.get(1).lowerBound()).isEqualTo(9.2e18);
  }

  @Test
  void quantilesBucketCountsAndSumAreThoseAStockEnvoyPrintedForTheSameValues() {
    // Envoy 1.40.0's /stats?histogram_buckets=detailed said for these values:
    // totals=0,0:1, 1,0.1:11, 2,0.1:3, 3,0.1:3, 5,0.1:3, 6,0.1:2, 8,0.1:2, 9,0.1:1, 13,1:2, 14,1:1,
    // 18,1:1 and summary=... P25(..,1.0583333333333333) P50(..,2.075) P75(..,6.066666666666666)
    // P90(..,13.333333333333334) P95(..,14.5) P99(..,18.5).
    record(0, 1);
    record(1, 11);
    record(2, 3);
    record(3, 3);
    record(5, 3);
    record(6, 2);
    record(8, 2);
    record(9, 1);
    record(13, 2);
    record(14, 1);
    record(18, 1);
    HistogramBins bins = histogram.statistics().cumulative();
    assertThat(bins.quantiles(HistogramBins.SUPPORTED_QUANTILES))
        .containsExactly(
            0,
            1.0583333333333333,
            2.075,
            6.066666666666666,
            13.333333333333334,
            14.5,
            18.5,
            18.5,
            18.5,
            18.5);
    assertThat(histogram.statistics().bucketCounts(bins))
        .containsExactly(1, 12, 21, 26, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30);
    assertThat(bins.sampleCount()).isEqualTo(30);
  }

  @Test
  void aFlushClosesAnIntervalWithTheValuesRecordedSinceThePreviousFlush() {
    record(3, 2);
    assertThat(histogram.statistics().interval().sampleCount()).isZero();
    histogram.flush();
    record(40, 1);
    assertThat(histogram.statistics().interval().bins())
        .containsExactly(new HistogramBins.Bin(3, 0.1, 2));
    histogram.flush();
    assertThat(histogram.statistics().interval().bins())
        .containsExactly(new HistogramBins.Bin(40, 1, 1));
    assertThat(histogram.statistics().cumulative().sampleCount()).isEqualTo(3);
    histogram.flush();
    assertThat(histogram.statistics().interval().sampleCount()).isZero();
  }

  @Test
  void anEmptyHistogramHasNanQuantilesAndIsUnused() {
    assertThat(histogram.used()).isFalse();
    assertThat(histogram.statistics().cumulative().quantiles(new double[] {0.5}))
        .containsExactly(Double.NaN);
    histogram.record(1);
    assertThat(histogram.used()).isTrue();
  }

  @Test
  void aBucketBoundCountsTheBinsAtOrBelowTheBinThatHoldsIt() {
    record(0, 1); // <= 0.5
    record(1, 1); // <= 1
    record(100, 1); // bin [100,110) counts at 100, as in Envoy
    record(109, 1);
    record(250, 1);
    HistogramBins bins = histogram.statistics().cumulative();
    assertThat(bins.countAtOrBelow(0.5)).isEqualTo(1);
    assertThat(bins.countAtOrBelow(1)).isEqualTo(2);
    assertThat(bins.countAtOrBelow(100)).isEqualTo(4);
    assertThat(bins.countAtOrBelow(250)).isEqualTo(5);
    assertThat(bins.countAtOrBelow(2.5)).isEqualTo(2);
  }

  @Test
  void theStoreReturnsOneHistogramPerNameWithItsConfiguredBuckets() {
    StatsStore custom =
        new StatsStore(
            name -> name.endsWith("_ms") ? List.of(1.0, 2.0) : Histogram.DEFAULT_BUCKETS);
    assertThat(custom.histogram("a")).isSameAs(custom.histogram("a"));
    assertThat(custom.histogram("x.cx_length_ms").statistics().bucketBounds())
        .containsExactly(1.0, 2.0);
    assertThat(custom.histograms().keySet()).containsExactly("a", "x.cx_length_ms");
  }

  @Test
  void resettingCountersKeepsThemUsedAndLeavesHistogramsAlone() {
    Counter counter = store.counter("c");
    counter.add(3);
    histogram.record(5);
    store.resetCounters();
    assertThat(counter.value()).isZero();
    assertThat(counter.used()).isTrue();
    assertThat(store.counter("never").used()).isFalse();
    assertThat(histogram.statistics().cumulative().sampleCount()).isEqualTo(1);
  }
}
