package io.attache.bench.controlplane;

import java.util.Arrays;
import java.util.List;

/**
 * Nearest-rank percentiles of a small sample (one figure per round). Never interpolates, so every
 * figure reported is one that was measured; with fewer than 100 samples p99 is therefore the
 * slowest sample. Immutable.
 */
public final class Percentiles {
  private final double[] sorted;

  private Percentiles(double[] sorted) {
    this.sorted = sorted;
  }

  public static Percentiles of(List<Double> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("no samples");
    }
    double[] copy = samples.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(copy);
    return new Percentiles(copy);
  }

  /** The smallest sample with at least {@code percent} % of the samples at or below it. */
  public double at(double percent) {
    if (!(percent > 0 && percent <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100]: " + percent);
    }
    int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }

  public double median() {
    return at(50);
  }

  public double max() {
    return sorted[sorted.length - 1];
  }

  public int count() {
    return sorted.length;
  }
}
