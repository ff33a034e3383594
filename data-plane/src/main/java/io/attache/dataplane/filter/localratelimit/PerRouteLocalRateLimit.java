package io.attache.dataplane.filter.localratelimit;

/**
 * A route's own {@code LocalRateLimit} (its {@code typed_per_filter_config}): replaces the filter's
 * config for the route and, as in Envoy, has its own token buckets, shared by every request on the
 * route for as long as the route table lives. The buckets start full at the route's first request
 * (the route table is compiled without a clock). Thread-safe.
 */
final class PerRouteLocalRateLimit {
  private final LocalRateLimitConfig config;
  private volatile LocalRateLimiter limiter;

  PerRouteLocalRateLimit(LocalRateLimitConfig config) {
    this.config = config;
  }

  LocalRateLimitConfig config() {
    return config;
  }

  LocalRateLimiter limiter(long nowNanos) {
    LocalRateLimiter l = limiter;
    if (l == null) {
      synchronized (this) {
        l = limiter;
        if (l == null) {
          l = new LocalRateLimiter(config, nowNanos);
          limiter = l;
        }
      }
    }
    return l;
  }
}
