package io.attache.dataplane.retry;

import io.attache.dataplane.time.RandomSource;

/**
 * Envoy's {@code JitteredExponentialBackOffStrategy}, for one request: each call returns a delay
 * drawn uniformly from [0, interval) milliseconds, where the interval starts at the base and
 * doubles after every call until doubling would pass half the maximum, after which it is the
 * maximum. So retry N waits in [0, min(2^(N-1) × base, max)): with the defaults (25 ms, 250 ms) the
 * ranges are 0–24, 0–49, 0–99, 0–199, then 0–249 ms for every later retry.
 *
 * <p>Where the descriptions disagree: ENVOY-SEMANTICS.md (and Envoy's router documentation, which
 * it follows) say retry N waits in [0, (2^N − 1) × base) — 0–24, 0–74, 0–174 ms. That was Envoy's
 * first implementation (2018, {@code JitteredBackOffStrategy} with a {@code (1 << retry) - 1}
 * multiplier); the code Envoy has run since replaced it with the doubling interval above, and the
 * documentation was never updated. Both agree on the first retry ([0, base)), on the draw being
 * uniform ("full jitter") and on the cap at {@code max_interval}; they differ from the second retry
 * on, and this class follows Envoy's code so a retry storm spreads the same way on both proxies.
 *
 * <p>Not thread-safe: owned by one request on one event loop.
 */
final class JitteredExponentialBackOff {
  private final long maxMillis;
  private final long doublingLimit;
  private final RandomSource random;
  private long nextIntervalMillis;

  JitteredExponentialBackOff(long baseMillis, long maxMillis, RandomSource random) {
    if (baseMillis < 1 || maxMillis < baseMillis) {
      throw new IllegalArgumentException("need 1 <= base <= max");
    }
    this.maxMillis = maxMillis;
    this.doublingLimit = maxMillis / 2;
    this.random = random;
    this.nextIntervalMillis = baseMillis;
  }

  /** The next delay in milliseconds, and advances to the following interval. */
  long nextBackOffMillis() {
    long interval = nextIntervalMillis;
    nextIntervalMillis = interval < doublingLimit ? interval * 2 : maxMillis;
    return random.nextLong(interval);
  }

  /** The exclusive upper bound of the next draw, for tests and diagnostics. */
  long nextIntervalMillis() {
    return nextIntervalMillis;
  }
}
