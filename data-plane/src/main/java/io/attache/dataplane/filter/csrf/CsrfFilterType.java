package io.attache.dataplane.filter.csrf;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import java.util.Set;

/**
 * {@code envoy.filters.http.csrf}: its {@code CsrfPolicy} and the routes' and virtual hosts' ones
 * parsed once; per listener the stats, per stream one {@link CsrfFilter}.
 */
public final class CsrfFilterType implements HttpFilterType<CsrfPolicyConfig> {
  public static final CsrfFilterType INSTANCE = new CsrfFilterType();
  public static final String NAME = "envoy.filters.http.csrf";

  private CsrfFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return CsrfPolicyConfig.TYPE_URL;
  }

  @Override
  public CsrfPolicyConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return CsrfPolicyConfig.from(typedConfig, path);
  }

  @Override
  public Set<String> perRouteConfigTypeUrls() {
    return Set.of(CsrfPolicyConfig.TYPE_URL);
  }

  @Override
  public Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    return CsrfPolicyConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(CsrfPolicyConfig config, FilterFactoryContext context) {
    CsrfStats stats = CsrfStats.create(context.stats(), context.statPrefix());
    return callbacks ->
        callbacks.addStreamDecoderFilter(
            new CsrfFilter(config, stats, context.runtime(), context.random()));
  }
}
