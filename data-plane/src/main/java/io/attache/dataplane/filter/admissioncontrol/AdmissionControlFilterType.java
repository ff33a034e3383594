package io.attache.dataplane.filter.admissioncontrol;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;

/**
 * {@code envoy.filters.http.admission_control}: parses {@code AdmissionControl} once; per listener
 * one {@link RequestHistory} and the stats, per stream one {@link AdmissionControlFilter}. Takes no
 * per-route config (Envoy's has none).
 */
public final class AdmissionControlFilterType implements HttpFilterType<AdmissionControlConfig> {
  public static final AdmissionControlFilterType INSTANCE = new AdmissionControlFilterType();

  private AdmissionControlFilterType() {}

  @Override
  public String canonicalName() {
    return AdmissionControlConfig.FILTER_NAME;
  }

  @Override
  public String configTypeUrl() {
    return AdmissionControlConfig.TYPE_URL;
  }

  @Override
  public AdmissionControlConfig parse(String filterName, Any typedConfig, String path)
      throws ConfigException {
    return AdmissionControlConfig.from(typedConfig, path);
  }

  @Override
  public HttpFilterFactory factory(AdmissionControlConfig config, FilterFactoryContext context) {
    Shared shared =
        new Shared(
            config,
            new RequestHistory(config.samplingWindowSeconds()),
            AdmissionControlStats.create(context.stats(), context.statPrefix()));
    return callbacks -> callbacks.addStreamFilter(new AdmissionControlFilter(shared, context));
  }

  /** What every stream of one listener's filter shares. */
  record Shared(
      AdmissionControlConfig config, RequestHistory history, AdmissionControlStats stats) {}
}
