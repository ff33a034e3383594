package io.attache.dataplane.filter.rbac;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;

/**
 * {@code envoy.filters.http.rbac}: parses {@code RBAC} once; one {@link RbacFilter} per listener.
 */
public final class RbacFilterType implements HttpFilterType<RbacFilterConfig> {
  public static final RbacFilterType INSTANCE = new RbacFilterType();

  private RbacFilterType() {}

  @Override
  public String canonicalName() {
    return RbacFilterConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return RbacFilterConfig.TYPE_URL;
  }

  @Override
  public RbacFilterConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return RbacFilterConfig.from(filterName, typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(RbacFilterConfig config, FilterFactoryContext context) {
    RbacFilter filter = new RbacFilter(config, context.statPrefix(), context.stats());
    return (FilterChainFactoryCallbacks callbacks) ->
        callbacks.addStreamDecoderFilter(new RbacHttpFilter(filter));
  }
}
