package io.attache.dataplane.filter.localratelimit;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.stats.StatsStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code envoy.filters.http.local_ratelimit}: parses {@code LocalRateLimit} once; per listener one
 * {@link LocalRateLimiter} (the buckets every worker shares, as in Envoy) and the stats, and per
 * stream one {@link LocalRateLimitFilter}. A route's {@code LocalRateLimit} replaces the filter's
 * config and brings its own buckets.
 */
public final class LocalRateLimitFilterType implements HttpFilterType<LocalRateLimitConfig> {
  public static final LocalRateLimitFilterType INSTANCE = new LocalRateLimitFilterType();

  private LocalRateLimitFilterType() {}

  @Override
  public String canonicalName() {
    return LocalRateLimitConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return LocalRateLimitConfig.TYPE_URL;
  }

  @Override
  public LocalRateLimitConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return LocalRateLimitConfig.from(typedConfig, path, false);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(LocalRateLimitConfig.TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return new PerRouteLocalRateLimit(LocalRateLimitConfig.from(typedConfig, path, true));
  }

  @Override
  public HttpFilterFactory factory(LocalRateLimitConfig config, FilterFactoryContext context) {
    Shared shared =
        new Shared(
            config, new LocalRateLimiter(config, context.ticker().nanoTime()), context.stats());
    return callbacks -> callbacks.addStreamFilter(new LocalRateLimitFilter(shared, context));
  }

  /** What every stream of one listener's filter shares: the config, its buckets, the stats. */
  static final class Shared {
    private final LocalRateLimitConfig config;
    private final LocalRateLimiter limiter;
    private final StatsStore store;
    private final Map<String, LocalRateLimitStats> statsByPrefix = new ConcurrentHashMap<>();

    Shared(LocalRateLimitConfig config, LocalRateLimiter limiter, StatsStore store) {
      this.config = config;
      this.limiter = limiter;
      this.store = store;
      statsByPrefix.put(
          config.statPrefix(), LocalRateLimitStats.create(store, config.statPrefix()));
    }

    LocalRateLimitConfig config() {
      return config;
    }

    LocalRateLimiter limiter() {
      return limiter;
    }

    /** The counters of a stat prefix (a route's config may name its own). */
    LocalRateLimitStats stats(String statPrefix) {
      return statsByPrefix.computeIfAbsent(statPrefix, p -> LocalRateLimitStats.create(store, p));
    }
  }
}
