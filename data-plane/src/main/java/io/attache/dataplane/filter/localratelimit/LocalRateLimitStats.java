package io.attache.dataplane.filter.localratelimit;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code <stat_prefix>.http_local_rate_limit.*} counters of one config's {@code
 * stat_prefix} (rooted at the top of the store, not under {@code http.<hcm prefix>}, as in Envoy).
 */
record LocalRateLimitStats(Counter enabled, Counter enforced, Counter rateLimited, Counter ok) {
  static LocalRateLimitStats create(StatsStore stats, String statPrefix) {
    String p = statPrefix + ".http_local_rate_limit.";
    return new LocalRateLimitStats(
        stats.counter(p + "enabled"),
        stats.counter(p + "enforced"),
        stats.counter(p + "rate_limited"),
        stats.counter(p + "ok"));
  }
}
