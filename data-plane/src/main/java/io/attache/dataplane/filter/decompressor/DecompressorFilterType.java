package io.attache.dataplane.filter.decompressor;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;

/**
 * {@code envoy.filters.http.decompressor} with the gzip, brotli or zstd library: its {@code
 * Decompressor} parsed once; per listener the stats, per stream one {@link DecompressorFilter}. It
 * has no per-route config (Envoy has none either).
 */
public final class DecompressorFilterType implements HttpFilterType<DecompressorConfig> {
  public static final DecompressorFilterType INSTANCE = new DecompressorFilterType();
  public static final String NAME = "envoy.filters.http.decompressor";

  private DecompressorFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return DecompressorConfig.TYPE_URL;
  }

  @Override
  public DecompressorConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return DecompressorConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(DecompressorConfig config, FilterFactoryContext context) {
    DecompressorStats stats =
        DecompressorStats.create(context.stats(), context.statPrefix(), config);
    return callbacks ->
        callbacks.addStreamFilter(new DecompressorFilter(config, stats, context.runtime()));
  }
}
