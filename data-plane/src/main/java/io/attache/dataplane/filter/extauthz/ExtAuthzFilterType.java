package io.attache.dataplane.filter.extauthz;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.ext_authz}: parses {@code ExtAuthz} once; one {@link ExtAuthzFilter}
 * (config, counters) per listener and one {@link ExtAuthzHttpFilter} per stream; reads {@code
 * ExtAuthzPerRoute}.
 */
public final class ExtAuthzFilterType implements HttpFilterType<ExtAuthzConfig> {
  public static final ExtAuthzFilterType INSTANCE = new ExtAuthzFilterType();

  private ExtAuthzFilterType() {}

  @Override
  public String canonicalName() {
    return ExtAuthzConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return ExtAuthzConfig.TYPE_URL;
  }

  @Override
  public ExtAuthzConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return ExtAuthzConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(ExtAuthzConfig config, FilterFactoryContext context) {
    ExtAuthzFilter filter = new ExtAuthzFilter(config, context);
    return (FilterChainFactoryCallbacks callbacks) ->
        callbacks.addStreamFilter(new ExtAuthzHttpFilter(filter));
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(ExtAuthzConfig.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return ExtAuthzConfig.perRoute(typedConfig, path);
  }
}
