package io.attache.dataplane.retry;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * A cluster's retry counters, named as Envoy names them ({@code cluster.<name>.upstream_rq_retry*}
 * and {@code retry_or_shadow_abandoned}), looked up once per cluster. {@code
 * upstream_rq_retry_overflow} is counted by the cluster's {@code ResourceManager}, which owns the
 * retry limit.
 */
public final class RetryStats {
  final Counter retry;
  final Counter success;
  final Counter limitExceeded;
  final Counter backOffExponential;
  final Counter backOffRateLimited;
  final Counter abandoned;

  public RetryStats(StatsStore store, String clusterName) {
    String prefix = "cluster." + clusterName + ".";
    retry = store.counter(prefix + "upstream_rq_retry");
    success = store.counter(prefix + "upstream_rq_retry_success");
    limitExceeded = store.counter(prefix + "upstream_rq_retry_limit_exceeded");
    backOffExponential = store.counter(prefix + "upstream_rq_retry_backoff_exponential");
    backOffRateLimited = store.counter(prefix + "upstream_rq_retry_backoff_ratelimited");
    abandoned = store.counter(prefix + "retry_or_shadow_abandoned");
  }

  /**
   * A request body outgrew the buffer a shadow of a request that could not be retried anyway needed
   * ({@code retry_or_shadow_abandoned}; a retriable request counts it through its {@code
   * RetryState}).
   */
  public void shadowAbandoned() {
    abandoned.inc();
  }
}
