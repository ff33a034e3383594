package io.attache.dataplane.stats;

import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A distribution of recorded integer values (milliseconds, bytes, counts), named as Envoy names it
 * ({@code cluster.backend.upstream_rq_time}) and binned as Envoy bins it (libcircllhist, two
 * significant digits), so its quantiles, bucket counts and sum are the numbers a stock Envoy shows.
 *
 * <p>Recording is one atomic increment of one bin, lock-free and safe from any thread; a decade's
 * 90 bins are allocated the first time a value lands in it, so an unused histogram costs a few
 * dozen bytes. {@link #flush()} closes an interval (Envoy's {@code stats_flush_interval}): the
 * admin output shows both the values since start ("cumulative") and those of the last complete
 * interval. Recording never waits for a flush or a reader.
 */
public final class Histogram {
  /** Envoy's default histogram bucket bounds ({@code Stats::HistogramSettingsImpl}). */
  public static final List<Double> DEFAULT_BUCKETS =
      List.of(
          0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
          30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0);

  private static final int DECADES = 19; // values up to Long.MAX_VALUE

  private final String name;
  private final List<Double> bucketBounds;
  // Slot 0: the zero bin and the integers 1..9; slot d >= 1: the 90 bins of [10^d, 10^(d+1)).
  private final AtomicReferenceArray<AtomicLongArray> decades = new AtomicReferenceArray<>(DECADES);
  // Guarded by this: the flush and admin threads only.
  private HistogramBins atLastFlush = HistogramBins.EMPTY;
  private HistogramBins lastInterval = HistogramBins.EMPTY;

  Histogram(String name, List<Double> bucketBounds) {
    this.name = name;
    this.bucketBounds = List.copyOf(bucketBounds);
  }

  public String name() {
    return name;
  }

  /** Records one value; a negative value counts as 0. */
  public void record(long value) {
    int index = HistogramBins.index(value);
    int decade;
    int slot;
    if (index < HistogramBins.DECADE_ZERO_BINS) {
      decade = 0;
      slot = index;
    } else {
      int offset = index - HistogramBins.DECADE_ZERO_BINS;
      decade = offset / HistogramBins.BINS_PER_DECADE + 1;
      slot = offset % HistogramBins.BINS_PER_DECADE;
    }
    AtomicLongArray bins = decades.get(decade);
    if (bins == null) {
      bins = allocate(decade);
    }
    bins.getAndIncrement(slot);
  }

  private AtomicLongArray allocate(int decade) {
    AtomicLongArray fresh =
        new AtomicLongArray(
            decade == 0 ? HistogramBins.DECADE_ZERO_BINS : HistogramBins.BINS_PER_DECADE);
    return decades.compareAndSet(decade, null, fresh) ? fresh : decades.get(decade);
  }

  /** Whether a value was ever recorded (Envoy's {@code usedonly}). */
  public boolean used() {
    for (int d = 0; d < DECADES; d++) {
      if (decades.get(d) != null) {
        return true;
      }
    }
    return false;
  }

  /** Closes the current interval: what was recorded since the previous flush becomes its values. */
  public synchronized void flush() {
    HistogramBins now = cumulativeBins();
    lastInterval = now.minus(atLastFlush);
    atLastFlush = now;
  }

  /** Every value recorded since the histogram was created, and those of the last interval. */
  public synchronized Statistics statistics() {
    return new Statistics(name, cumulativeBins(), lastInterval, bucketBounds);
  }

  private HistogramBins cumulativeBins() {
    int[] indices = new int[64];
    long[] counts = new long[64];
    int n = 0;
    for (int d = 0; d < DECADES; d++) {
      AtomicLongArray bins = decades.get(d);
      if (bins == null) {
        continue;
      }
      int base =
          d == 0 ? 0 : HistogramBins.DECADE_ZERO_BINS + (d - 1) * HistogramBins.BINS_PER_DECADE;
      for (int slot = 0; slot < bins.length(); slot++) {
        long c = bins.get(slot);
        if (c == 0) {
          continue;
        }
        if (n == indices.length) {
          indices = java.util.Arrays.copyOf(indices, n * 2);
          counts = java.util.Arrays.copyOf(counts, n * 2);
        }
        indices[n] = base + slot;
        counts[n] = c;
        n++;
      }
    }
    return new HistogramBins(
        java.util.Arrays.copyOf(indices, n), java.util.Arrays.copyOf(counts, n));
  }

  /**
   * What the admin endpoint renders for one histogram: Envoy's {@code ParentHistogram} view, the
   * bins since start and those of the last flush interval, and the bucket bounds to report.
   */
  public record Statistics(
      String name, HistogramBins cumulative, HistogramBins interval, List<Double> bucketBounds) {

    /** Cumulative counts at each bucket bound, from {@code bins}. */
    public long[] bucketCounts(HistogramBins bins) {
      long[] out = new long[bucketBounds.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = bins.countAtOrBelow(bucketBounds.get(i));
      }
      return out;
    }
  }
}
