package io.attache.dataplane.retry;

import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.time.RandomSource;
import java.time.Clock;
import java.util.Objects;

/**
 * What every {@link RetryState} of one cluster and priority shares: the cluster's retry limit
 * ({@link ResourceManager#retries()}), its retry counters, the random source for jitter and the
 * wall clock for {@code UNIX_TIMESTAMP} reset headers. Build one per cluster and priority, not per
 * request. Immutable; the parts it holds are thread-safe.
 */
public record ClusterRetryContext(
    ResourceManager breaker, RetryStats stats, RandomSource random, Clock wallClock) {
  public ClusterRetryContext {
    Objects.requireNonNull(breaker);
    Objects.requireNonNull(stats);
    Objects.requireNonNull(random);
    Objects.requireNonNull(wallClock);
  }
}
