package io.attache.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentLookupsTest {
  private final StatsStore stats = new StatsStore();

  @Test
  void theLeastRecentlyUsedNameIsEvictedOnceCapacityNamesAreKept() {
    stats.recentLookups().enable();
    stats.counter("first");
    stats.counter("second");
    for (int i = 0; i < RecentLookups.CAPACITY - 2; i++) {
      stats.counter("name." + i);
    }
    stats.counter("first");

    stats.counter("one.too.many");

    assertThat(stats.recentLookups().recent())
        .hasSize(RecentLookups.CAPACITY)
        .containsEntry("first", 2L)
        .containsEntry("one.too.many", 1L)
        .doesNotContainKey("second");
    assertThat(stats.recentLookups().total()).isEqualTo(RecentLookups.CAPACITY + 2);
  }

  @Test
  void lookupsAreCountedButNoNameIsKeptWhileTrackingIsDisabled() {
    stats.gauge("a");
    stats.histogram("b");

    assertThat(stats.recentLookups().recent()).isEmpty();
    assertThat(stats.recentLookups().total()).isEqualTo(2);
  }
}
