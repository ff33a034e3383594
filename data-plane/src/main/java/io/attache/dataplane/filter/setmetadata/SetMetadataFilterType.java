package io.attache.dataplane.filter.setmetadata;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.stats.Counter;

/**
 * {@code envoy.filters.http.set_metadata}: its {@code Config} parsed once into a {@link
 * SetMetadataConfig}; per listener the {@code http.<stat_prefix>.set_metadata.overwrite_denied}
 * counter, per stream one {@link SetMetadataFilter}.
 */
public final class SetMetadataFilterType implements HttpFilterType<SetMetadataConfig> {
  public static final SetMetadataFilterType INSTANCE = new SetMetadataFilterType();
  public static final String NAME = "envoy.filters.http.set_metadata";

  private SetMetadataFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return SetMetadataConfig.TYPE_URL;
  }

  @Override
  public SetMetadataConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return SetMetadataConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(SetMetadataConfig config, FilterFactoryContext context) {
    Counter overwriteDenied =
        context.stats().counter("http." + context.statPrefix() + ".set_metadata.overwrite_denied");
    return callbacks ->
        callbacks.addStreamDecoderFilter(new SetMetadataFilter(config, overwriteDenied));
  }
}
