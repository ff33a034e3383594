package io.attache.dataplane.filter.headertometadata;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.header_to_metadata}: its {@code Config}, and the same type in a route's
 * {@code typed_per_filter_config} (which then replaces it), parsed once into a {@link
 * HeaderToMetadataConfig}; per stream one {@link HeaderToMetadataFilter}. No stats (Envoy's opt-in
 * {@code stat_prefix} is newer than the API Attaché reads).
 */
public final class HeaderToMetadataFilterType implements HttpFilterType<HeaderToMetadataConfig> {
  public static final HeaderToMetadataFilterType INSTANCE = new HeaderToMetadataFilterType();
  public static final String NAME = "envoy.filters.http.header_to_metadata";

  private HeaderToMetadataFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return HeaderToMetadataConfig.TYPE_URL;
  }

  @Override
  public HeaderToMetadataConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return HeaderToMetadataConfig.from(typedConfig, path, false);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(HeaderToMetadataConfig.TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return HeaderToMetadataConfig.from(typedConfig, path, true);
  }

  @Override
  public HttpFilterFactory factory(HeaderToMetadataConfig config, FilterFactoryContext context) {
    return callbacks -> callbacks.addStreamFilter(new HeaderToMetadataFilter(config));
  }
}
