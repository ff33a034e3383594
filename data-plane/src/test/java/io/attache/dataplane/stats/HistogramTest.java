package io.attache.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HistogramTest {
  @Test
  void countsEachValueInTheFirstBucketItFitsCumulatively() {
    Histogram h = new HistogramStore().histogram("cluster.backend.upstream_rq_time");
    h.record(0);
    h.record(1);
    h.record(7);
    h.record(250);
    h.record(4_000_000);
    Histogram.Snapshot s = h.snapshot();
    assertThat(s.bounds()).startsWith(0.5, 1.0, 5.0, 10.0).endsWith(3600000.0).hasSize(19);
    assertThat(s.cumulativeCounts())
        .containsExactly(1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4);
    assertThat(s.count()).isEqualTo(5);
    assertThat(s.sum()).isEqualTo(4_000_258);
  }

  @Test
  void theStoreReturnsOneHistogramPerName() {
    HistogramStore store = new HistogramStore();
    assertThat(store.histogram("a")).isSameAs(store.histogram("a"));
    store.histogram("b");
    assertThat(store.histograms().keySet()).containsExactly("a", "b");
  }
}
