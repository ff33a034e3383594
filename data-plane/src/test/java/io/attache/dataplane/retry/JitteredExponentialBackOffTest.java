package io.attache.dataplane.retry;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ScriptedRandom;
import org.junit.jupiter.api.Test;

class JitteredExponentialBackOffTest {
  private static final long SEED = 0x5EED_3A77ACL;
  private static final int SAMPLES = 40_000;

  /**
   * Upper bounds of 99.9% of the chi-square distribution, by degrees of freedom, so a correct
   * implementation fails this test about once in a thousand seeds (and never for the fixed one).
   */
  private static final double CHI_SQUARE_999_DF4 = 18.467;

  private static final double CHI_SQUARE_999_DF9 = 27.877;

  @Test
  void doublesTheIntervalUntilHalfTheMaximumThenStaysAtTheMaximum() {
    ScriptedRandom zeros = new ScriptedRandom().then(0, 0, 0, 0, 0, 0);
    JitteredExponentialBackOff defaults = new JitteredExponentialBackOff(25, 250, zeros);
    long[] intervals = new long[6];
    for (int i = 0; i < intervals.length; i++) {
      intervals[i] = defaults.nextIntervalMillis();
      defaults.nextBackOffMillis();
    }
    assertThat(intervals).containsExactly(25, 50, 100, 200, 250, 250);

    JitteredExponentialBackOff odd =
        new JitteredExponentialBackOff(10, 35, new ScriptedRandom().then(0, 0, 0));
    long[] oddIntervals = new long[3];
    for (int i = 0; i < oddIntervals.length; i++) {
      oddIntervals[i] = odd.nextIntervalMillis();
      odd.nextBackOffMillis();
    }
    // 10 < 35/2 doubles to 20; 20 is not below 17, so the next interval is the cap.
    assertThat(oddIntervals).containsExactly(10, 20, 35);

    JitteredExponentialBackOff flat =
        new JitteredExponentialBackOff(40, 40, new ScriptedRandom().then(0, 0));
    flat.nextBackOffMillis();
    assertThat(flat.nextIntervalMillis()).isEqualTo(40);
  }

  /**
   * Full jitter, checked statistically: for retry N (1..6) with Envoy's defaults, SAMPLES delays
   * from a fixed seed are bucketed over Envoy's range [0, min(2^(N-1) × 25, 250)) ms and compared
   * with the uniform distribution by a chi-square test. Retries 5 and 6 show the cap. (The range
   * [0, (2^N − 1) × base) in ENVOY-SEMANTICS.md would put a third of retry 2's draws at 50 ms or
   * more; the test also checks no draw ever reaches the bound.)
   */
  @Test
  void spreadsEachRetrysDelayUniformlyOverItsRangeAndCapsIt() {
    System.out.println("JitteredExponentialBackOffTest seed=" + SEED);
    RandomSource random = RandomSource.seeded(SEED);
    long[] expectedUpper = {25, 50, 100, 200, 250, 250};
    for (int retry = 1; retry <= expectedUpper.length; retry++) {
      long upper = expectedUpper[retry - 1];
      int buckets = upper == 25 ? 5 : 10;
      long width = upper / buckets;
      long[] counts = new long[buckets];
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int s = 0; s < SAMPLES; s++) {
        JitteredExponentialBackOff backOff = new JitteredExponentialBackOff(25, 250, random);
        long delay = 0;
        for (int n = 0; n < retry; n++) {
          delay = backOff.nextBackOffMillis();
        }
        min = Math.min(min, delay);
        max = Math.max(max, delay);
        counts[(int) (delay / width)]++;
      }
      double expected = (double) SAMPLES / buckets;
      double chiSquare = 0;
      for (long count : counts) {
        chiSquare += (count - expected) * (count - expected) / expected;
      }
      double bound = buckets == 5 ? CHI_SQUARE_999_DF4 : CHI_SQUARE_999_DF9;
      System.out.printf(
          "retry %d: range [0,%d) min=%d max=%d chi2=%.2f (bound %.2f)%n",
          retry, upper, min, max, chiSquare, bound);

      assertThat(min).as("retry %d lowest delay", retry).isZero();
      assertThat(max).as("retry %d highest delay", retry).isEqualTo(upper - 1);
      assertThat(chiSquare)
          .as("retry %d chi-square over %d buckets", retry, buckets)
          .isLessThan(bound);
    }
  }
}
