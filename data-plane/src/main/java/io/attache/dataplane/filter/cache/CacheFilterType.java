package io.attache.dataplane.filter.cache;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.trust.LocalAddress;

/**
 * {@code envoy.filters.http.cache} with the {@code envoy.extensions.http.cache.simple} store:
 * parses {@code CacheConfig} once; per listener one bounded in-memory store ({@link
 * SimpleHttpCache}, {@value SimpleHttpCache#DEFAULT_CAPACITY_BYTES} bytes) shared by its streams,
 * per stream one {@link CacheFilter} on the context's clock. A disabled filter adds nothing.
 */
public final class CacheFilterType implements HttpFilterType<CacheSettings> {
  public static final CacheFilterType INSTANCE = new CacheFilterType();
  public static final String NAME = "envoy.filters.http.cache";

  private CacheFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return CacheSettings.TYPE_URL;
  }

  @Override
  public CacheSettings parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return CacheSettings.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(CacheSettings settings, FilterFactoryContext context) {
    return factory(settings, context, SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
  }

  /** The factory with a store of {@code capacityBytes} (tests use a small one). */
  static HttpFilterFactory factory(
      CacheSettings settings, FilterFactoryContext context, long capacityBytes) {
    if (settings.disabled()) {
      return callbacks -> {};
    }
    SimpleHttpCache cache = new SimpleHttpCache(capacityBytes);
    return callbacks ->
        callbacks.addStreamFilter(
            new CacheFilter(settings, cache, context.clock(), capacityBytes, LocalAddress.get()));
  }
}
