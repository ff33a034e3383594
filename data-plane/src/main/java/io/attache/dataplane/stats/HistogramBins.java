package io.attache.dataplane.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable set of Envoy histogram bins (libcircllhist's log-linear bins with two significant
 * decimal digits) and the statistics Envoy derives from them: quantiles (circllhist's type-1
 * approximation), counts at or below a bucket bound, and the approximate sum from bin midpoints.
 * Computing from the bins, as Envoy does, is what makes every number here equal to a stock Envoy's
 * for the same recorded values.
 *
 * <p>Bin indices: 0 is the zero bin; 1..9 the integers 1..9 (bins {@code [v, v+0.1)}); from 10 on,
 * 90 bins per decade, {@code [m·10^(d-1), (m+1)·10^(d-1))} for m in 10..99 and d ≥ 1.
 */
public final class HistogramBins {
  /** Envoy's quantiles, as fractions, in the order {@code /stats} prints them. */
  public static final double[] SUPPORTED_QUANTILES = {
    0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1
  };

  public static final HistogramBins EMPTY = new HistogramBins(new int[0], new long[0]);

  static final int DECADE_ZERO_BINS = 10;
  static final int BINS_PER_DECADE = 90;
  private static final double[] POWERS_OF_TEN = new double[20];

  static {
    double p = 1;
    for (int i = 0; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = p;
      p *= 10;
    }
  }

  private final int[] indices;
  private final long[] counts;
  private final long total;

  /** Indices ascending, counts positive; the arrays are kept, not copied. */
  HistogramBins(int[] indices, long[] counts) {
    this.indices = indices;
    this.counts = counts;
    long sum = 0;
    for (long c : counts) {
      sum += c;
    }
    this.total = sum;
  }

  /** The number of recorded values. */
  public long sampleCount() {
    return total;
  }

  /** libcircllhist's {@code hist_approx_sum}: each bin counted at its minimum-error midpoint. */
  public double sampleSum() {
    double sum = 0;
    for (int i = 0; i < indices.length; i++) {
      sum += midpoint(indices[i]) * counts[i];
    }
    return sum;
  }

  /**
   * libcircllhist's {@code hist_approx_count_below}: the values in bins at or below the bin that
   * holds {@code bound}, which for Envoy's integer samples is the values ≤ {@code bound}.
   */
  public long countAtOrBelow(double bound) {
    double boundBin = binFloor(bound);
    long n = 0;
    for (int i = 0; i < indices.length && lowerBound(indices[i]) <= boundBin; i++) {
      n += counts[i];
    }
    return n;
  }

  /**
   * libcircllhist's {@code hist_approx_quantile} (Hyndman–Fan type 1, each bin's samples spread
   * evenly across it); all NaN when there are no values.
   */
  public double[] quantiles(double[] fractions) {
    double[] out = new double[fractions.length];
    if (total == 0) {
      java.util.Arrays.fill(out, Double.NaN);
      return out;
    }
    int bin = 0;
    double lowerCount = 0;
    double upperCount = counts[0];
    for (int q = 0; q < fractions.length; q++) {
      double rank = total * fractions[q];
      while (bin < indices.length - 1 && upperCount < rank) {
        bin++;
        lowerCount = upperCount;
        upperCount += counts[bin];
      }
      double width = width(indices[bin]);
      double left = lowerBound(indices[bin]);
      if (width == 0) {
        out[q] = left;
        continue;
      }
      long n = counts[bin];
      double k = Math.ceil(rank - lowerCount);
      out[q] = left + (k == 0 ? 1.0 : k) / (n + 1) * width;
    }
    return out;
  }

  /** The bins with values, ascending: Envoy's {@code histogram_buckets=detailed}. */
  public List<Bin> bins() {
    List<Bin> out = new ArrayList<>(indices.length);
    for (int i = 0; i < indices.length; i++) {
      out.add(new Bin(lowerBound(indices[i]), width(indices[i]), counts[i]));
    }
    return out;
  }

  /** This minus an earlier state of the same histogram: the values recorded in between. */
  HistogramBins minus(HistogramBins earlier) {
    int[] idx = new int[indices.length];
    long[] cnt = new long[indices.length];
    int n = 0;
    int j = 0;
    for (int i = 0; i < indices.length; i++) {
      while (j < earlier.indices.length && earlier.indices[j] < indices[i]) {
        j++;
      }
      long before =
          j < earlier.indices.length && earlier.indices[j] == indices[i] ? earlier.counts[j] : 0;
      long delta = counts[i] - before;
      if (delta > 0) {
        idx[n] = indices[i];
        cnt[n] = delta;
        n++;
      }
    }
    return new HistogramBins(java.util.Arrays.copyOf(idx, n), java.util.Arrays.copyOf(cnt, n));
  }

  /** One bin: {@code [lowerBound, lowerBound + width)}, width 0 for the zero bin. */
  public record Bin(double lowerBound, double width, long count) {}

  // ---- bin geometry ---------------------------------------------------------------------------

  /** The bin a non-negative integer value falls in. */
  static int index(long value) {
    if (value <= 0) {
      return 0;
    }
    if (value < 10) {
      return (int) value;
    }
    int decade = 1;
    long scale = 1; // 10^(decade-1)
    while (value / scale >= 100) {
      scale *= 10;
      decade++;
    }
    int mantissa = (int) (value / scale); // 10..99
    return DECADE_ZERO_BINS + (decade - 1) * BINS_PER_DECADE + (mantissa - 10);
  }

  static double lowerBound(int index) {
    if (index < DECADE_ZERO_BINS) {
      return index;
    }
    int offset = index - DECADE_ZERO_BINS;
    int decade = offset / BINS_PER_DECADE + 1;
    int mantissa = offset % BINS_PER_DECADE + 10;
    return mantissa * POWERS_OF_TEN[decade - 1];
  }

  static double width(int index) {
    if (index == 0) {
      return 0;
    }
    if (index < DECADE_ZERO_BINS) {
      return 0.1;
    }
    return POWERS_OF_TEN[(index - DECADE_ZERO_BINS) / BINS_PER_DECADE];
  }

  /** libcircllhist's {@code hist_bucket_midpoint}: the point of least relative error in the bin. */
  static double midpoint(int index) {
    if (index == 0) {
      return 0;
    }
    double bottom = lowerBound(index);
    double width = width(index);
    double top = bottom + width;
    return bottom + width * (bottom / (bottom + top));
  }

  /**
   * The lower bound of the circllhist bin holding {@code value} (two significant digits, as {@code
   * double_to_hist_bucket} computes it): 0.5 → 0.5, 2.5 → 2.5, 1234 → 1200.
   */
  static double binFloor(double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      return value > 0 ? Double.POSITIVE_INFINITY : 0;
    }
    int exponent = (int) Math.floor(Math.log10(value));
    double scale = Math.pow(10, exponent);
    // circllhist's allowance for rounding right at a bin edge.
    int mantissa = (int) Math.floor(value / scale * 10 + 1e-13);
    if (mantissa == 100) {
      mantissa = 10;
      scale *= 10;
    }
    return mantissa * scale / 10;
  }
}
