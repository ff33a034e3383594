package io.attache.dataplane.filter.healthcheck;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;

/**
 * {@code envoy.filters.http.health_check}: parses {@code HealthCheck} once; per listener the
 * pass-through cache (when {@code cache_time} is set), per stream one {@link HealthCheckFilter}.
 * Its answers count in {@code http.<stat_prefix>.health_check.*} ({@link HealthCheckStats}).
 */
public final class HealthCheckFilterType implements HttpFilterType<HealthCheckConfig> {
  public static final HealthCheckFilterType INSTANCE = new HealthCheckFilterType();
  public static final String NAME = "envoy.filters.http.health_check";

  private HealthCheckFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return HealthCheckConfig.TYPE_URL;
  }

  @Override
  public HealthCheckConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return HealthCheckConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(HealthCheckConfig config, FilterFactoryContext context) {
    HealthCheckCache cache =
        config.cacheTime().isZero()
            ? null
            : new HealthCheckCache(context.ticker(), config.cacheTime().toNanos());
    HealthCheckStats counters = HealthCheckStats.create(context.stats(), context.statPrefix());
    return callbacks ->
        callbacks.addStreamFilter(
            new HealthCheckFilter(
                config,
                cache,
                context.server(),
                name -> context.clusters().apply(name) != null,
                context.stats(),
                counters));
  }
}
