package io.attache.dataplane.stats;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A distribution of recorded values (milliseconds, bytes) over Envoy's default fixed buckets, named
 * as Envoy names it ({@code cluster.backend.upstream_rq_time}). Recording is lock-free and safe
 * from any thread; a snapshot is cumulative since creation, as Envoy's Prometheus output is.
 */
public final class Histogram {
  /** Envoy's default histogram bucket bounds ({@code Stats::HistogramSettingsImpl}). */
  public static final List<Double> DEFAULT_BUCKETS =
      List.of(
          0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
          30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0);

  private final String name;
  private final double[] bounds;
  private final LongAdder[] perBucket;
  private final LongAdder count = new LongAdder();
  private final LongAdder sum = new LongAdder();

  Histogram(String name) {
    this.name = name;
    this.bounds = DEFAULT_BUCKETS.stream().mapToDouble(Double::doubleValue).toArray();
    // One extra slot for values above the last bound.
    this.perBucket = new LongAdder[bounds.length + 1];
    for (int i = 0; i < perBucket.length; i++) {
      perBucket[i] = new LongAdder();
    }
  }

  public String name() {
    return name;
  }

  /** Records one non-negative value. */
  public void record(long value) {
    int i = 0;
    while (i < bounds.length && value > bounds[i]) {
      i++;
    }
    perBucket[i].increment();
    count.increment();
    sum.add(value);
  }

  public Snapshot snapshot() {
    long[] cumulative = new long[bounds.length];
    long running = 0;
    for (int i = 0; i < bounds.length; i++) {
      running += perBucket[i].sum();
      cumulative[i] = running;
    }
    long total = running + perBucket[bounds.length].sum();
    return new Snapshot(DEFAULT_BUCKETS, cumulative, total, sum.sum());
  }

  /**
   * Cumulative counts: {@code cumulativeCounts[i]} values were at most {@code bounds.get(i)}. Taken
   * without a lock, so under concurrent recording the parts may differ by a few in-flight samples.
   */
  public record Snapshot(List<Double> bounds, long[] cumulativeCounts, long count, long sum) {}
}
