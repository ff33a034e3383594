package io.attache.dataplane.filter.cors;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import java.util.Set;

/**
 * {@code envoy.filters.http.cors}: the filter's own config ({@code Cors}) is empty; the policies
 * come from the routes' {@code typed_per_filter_config} ({@code CorsPolicy}), parsed once at route
 * compile time. Per listener the stats, per stream one {@link CorsFilter}.
 */
public final class CorsFilterType implements HttpFilterType<CorsFilterType.Config> {
  public static final CorsFilterType INSTANCE = new CorsFilterType();
  public static final String NAME = "envoy.filters.http.cors";
  static final String TYPE_URL = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors";

  /** The filter's own config: Envoy's {@code Cors} has no fields. */
  public enum Config {
    EMPTY
  }

  private CorsFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return TYPE_URL;
  }

  @Override
  public Config parse(String filterName, Any typedConfig, String path) throws ConfigException {
    try {
      typedConfig.unpack(Cors.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Cors: " + e.getMessage());
    }
    return Config.EMPTY;
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(CorsPolicyConfig.TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return CorsPolicyConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(Config config, FilterFactoryContext context) {
    CorsStats stats = CorsStats.create(context.stats(), context.statPrefix());
    return callbacks -> callbacks.addStreamFilter(new CorsFilter(stats, context.random()));
  }
}
