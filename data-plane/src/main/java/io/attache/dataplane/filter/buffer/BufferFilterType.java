package io.attache.dataplane.filter.buffer;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.buffer}: its {@code Buffer} and the routes' {@code BufferPerRoute}
 * parsed once into {@link BufferSettings}; per stream one {@link BufferFilter}. Envoy's filter has
 * no stats of its own; a request past the limit counts {@code downstream_rq_too_large}.
 */
public final class BufferFilterType implements HttpFilterType<BufferSettings> {
  public static final BufferFilterType INSTANCE = new BufferFilterType();
  public static final String NAME = "envoy.filters.http.buffer";

  private BufferFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return BufferSettings.TYPE_URL;
  }

  @Override
  public BufferSettings parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return BufferSettings.from(typedConfig, path);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(BufferSettings.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return BufferSettings.perRoute(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(BufferSettings config, FilterFactoryContext context) {
    return callbacks -> callbacks.addStreamDecoderFilter(new BufferFilter(config));
  }
}
