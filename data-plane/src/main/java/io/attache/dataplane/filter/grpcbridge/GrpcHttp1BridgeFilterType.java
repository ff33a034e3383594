package io.attache.dataplane.filter.grpcbridge;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;

/**
 * {@code envoy.filters.http.grpc_http1_bridge}: its config parsed once, one {@link
 * GrpcHttp1BridgeFilter} per stream. No stats: Envoy disabled this filter's gRPC telemetry (the
 * {@code grpc_stats} filter has it).
 */
public final class GrpcHttp1BridgeFilterType implements HttpFilterType<GrpcHttp1BridgeConfig> {
  public static final GrpcHttp1BridgeFilterType INSTANCE = new GrpcHttp1BridgeFilterType();
  public static final String NAME = "envoy.filters.http.grpc_http1_bridge";

  private GrpcHttp1BridgeFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return GrpcHttp1BridgeConfig.TYPE_URL;
  }

  @Override
  public GrpcHttp1BridgeConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return GrpcHttp1BridgeConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(GrpcHttp1BridgeConfig config, FilterFactoryContext context) {
    return callbacks -> callbacks.addStreamFilter(new GrpcHttp1BridgeFilter(config));
  }
}
