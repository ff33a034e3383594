package io.attache.dataplane.filter.grpcbridge;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.grpc_http1_reverse_bridge}: its config and the routes' {@code
 * FilterConfigPerRoute} parsed once, one {@link GrpcHttp1ReverseBridgeFilter} per stream. Envoy's
 * filter has no stats.
 */
public final class GrpcHttp1ReverseBridgeFilterType
    implements HttpFilterType<GrpcHttp1ReverseBridgeConfig> {
  public static final GrpcHttp1ReverseBridgeFilterType INSTANCE =
      new GrpcHttp1ReverseBridgeFilterType();
  public static final String NAME = "envoy.filters.http.grpc_http1_reverse_bridge";

  private GrpcHttp1ReverseBridgeFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return GrpcHttp1ReverseBridgeConfig.TYPE_URL;
  }

  @Override
  public GrpcHttp1ReverseBridgeConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return GrpcHttp1ReverseBridgeConfig.from(typedConfig, path);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(GrpcHttp1ReverseBridgeConfig.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return GrpcHttp1ReverseBridgeConfig.perRoute(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(
      GrpcHttp1ReverseBridgeConfig config, FilterFactoryContext context) {
    return callbacks -> callbacks.addStreamFilter(new GrpcHttp1ReverseBridgeFilter(config));
  }
}
