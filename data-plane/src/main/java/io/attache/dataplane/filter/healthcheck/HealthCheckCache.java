package io.attache.dataplane.filter.healthcheck;

import io.attache.dataplane.time.Ticker;

/**
 * The pass-through answer of one listener's health-check filter, reused for {@code cache_time}
 * (Envoy's {@code HealthCheckCacheManager}): a timer started with the filter clears the cached
 * answer every {@code cache_time}; an upstream answer sets it until the next clearing. Computed
 * from the ticker rather than a timer, with the same periods. Shared by the listener's streams
 * across event loops, hence synchronized.
 */
final class HealthCheckCache {
  private final Ticker ticker;
  private final long startNanos;
  private final long periodNanos;
  private int status;
  private boolean degraded;
  private long cachedPeriod = -1;

  HealthCheckCache(Ticker ticker, long periodNanos) {
    this.ticker = ticker;
    this.startNanos = ticker.nanoTime();
    this.periodNanos = periodNanos;
  }

  private long period() {
    return (ticker.nanoTime() - startNanos) / periodNanos;
  }

  synchronized boolean useCachedResponse() {
    return cachedPeriod == period();
  }

  synchronized void set(int status, boolean degraded) {
    this.status = status;
    this.degraded = degraded;
    this.cachedPeriod = period();
  }

  synchronized int status() {
    return status;
  }

  synchronized boolean degraded() {
    return degraded;
  }
}
