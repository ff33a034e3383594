package io.attache.dataplane.xds;

import io.attache.dataplane.time.RandomSource;
import java.time.Duration;

/**
 * Envoy's jittered exponential back-off for the ADS stream: the n-th retry waits a uniformly random
 * time below {@code min(base * 2^n, max)}, so a fleet of proxies losing the same control plane does
 * not come back in lockstep. Not thread-safe; used on the client's serialised context.
 */
final class ReconnectBackoff {
  static final Duration BASE = Duration.ofMillis(500);
  static final Duration MAX = Duration.ofSeconds(30);

  private final RandomSource random;
  private final long baseMs;
  private final long maxMs;
  private long nextIntervalMs;

  ReconnectBackoff(RandomSource random, Duration base, Duration max) {
    this.random = random;
    this.baseMs = base.toMillis();
    this.maxMs = max.toMillis();
    this.nextIntervalMs = baseMs;
  }

  Duration nextDelay() {
    long interval = nextIntervalMs;
    nextIntervalMs = nextIntervalMs > maxMs / 2 ? maxMs : nextIntervalMs * 2;
    return Duration.ofMillis(Math.min(random.nextLong(interval), maxMs));
  }

  /** After the control plane answered: the next failure starts from the base interval again. */
  void reset() {
    nextIntervalMs = baseMs;
  }
}
