package io.attache.dataplane.filter.fault;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.fault}: parses {@code HTTPFault} once; one {@link FaultInjector}
 * (stats, {@code max_active_faults}) per listener, one {@link FaultHttpFilter} per stream.
 */
public final class FaultFilterType implements HttpFilterType<HttpFaultConfig> {
  public static final FaultFilterType INSTANCE = new FaultFilterType();

  private FaultFilterType() {}

  @Override
  public String canonicalName() {
    return HttpFaultConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return HttpFaultConfig.TYPE_URL;
  }

  @Override
  public HttpFaultConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return HttpFaultConfig.from(typedConfig, path);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(HttpFaultConfig.TYPE_URL);
  }

  /** An {@code HTTPFault} on a route replaces (never merges with) the filter's own config. */
  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return HttpFaultConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(HttpFaultConfig config, FilterFactoryContext context) {
    FaultInjector injector =
        new FaultInjector(config, context.filterName(), context.statPrefix(), context.stats());
    return callbacks -> callbacks.addStreamDecoderFilter(new FaultHttpFilter(injector, context));
  }
}
