package io.attache.dataplane.filter.jwt;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.jwt_authn}: parses {@code JwtAuthentication} once; one {@link
 * JwtAuthnFilter} (key caches, counters) per listener; reads {@code PerRouteConfig}.
 */
public final class JwtAuthnFilterType implements HttpFilterType<JwtAuthnConfig> {
  public static final JwtAuthnFilterType INSTANCE = new JwtAuthnFilterType();

  private JwtAuthnFilterType() {}

  @Override
  public String canonicalName() {
    return JwtAuthnConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return JwtAuthnConfig.TYPE_URL;
  }

  @Override
  public JwtAuthnConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return JwtAuthnConfig.from(filterName, typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(JwtAuthnConfig config, FilterFactoryContext context) {
    JwtAuthnFilter filter = new JwtAuthnFilter(config, context);
    return (FilterChainFactoryCallbacks callbacks) ->
        callbacks.addStreamDecoderFilter(new JwtAuthnHttpFilter(filter));
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(JwtAuthnConfig.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return JwtAuthnConfig.perRoute(typedConfig, path);
  }
}
