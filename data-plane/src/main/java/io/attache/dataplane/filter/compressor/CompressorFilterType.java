package io.attache.dataplane.filter.compressor;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.compressor} with the gzip, brotli or zstd library: its {@code
 * Compressor} and the routes' {@code CompressorPerRoute} parsed once; per listener the stats, per
 * stream one {@link CompressorFilter}.
 */
public final class CompressorFilterType implements HttpFilterType<CompressorConfig> {
  public static final CompressorFilterType INSTANCE = new CompressorFilterType();
  public static final String NAME = "envoy.filters.http.compressor";

  private CompressorFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return CompressorConfig.TYPE_URL;
  }

  @Override
  public CompressorConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return CompressorConfig.from(typedConfig, path);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(CompressorConfig.PER_ROUTE_TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return CompressorPerRoute.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(CompressorConfig config, FilterFactoryContext context) {
    CompressorStats stats = CompressorStats.create(context.stats(), context.statPrefix(), config);
    return callbacks ->
        callbacks.addStreamFilter(new CompressorFilter(config, stats, context.runtime()));
  }
}
