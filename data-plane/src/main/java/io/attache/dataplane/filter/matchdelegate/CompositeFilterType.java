package io.attache.dataplane.filter.matchdelegate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.HttpFilterType;
import io.attache.dataplane.stats.Counter;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite;

/**
 * {@code envoy.filters.http.composite}: a placeholder in the chain that runs, per stream, the
 * filter an {@code ExtensionWithMatcher}'s {@code ExecuteFilterAction} chose, and passes the stream
 * through when none was chosen. Counts {@code http.<stat_prefix>.composite.filter_delegation_*} as
 * Envoy.
 */
public final class CompositeFilterType implements HttpFilterType<Composite> {
  public static final CompositeFilterType INSTANCE = new CompositeFilterType();
  static final String NAME = "envoy.filters.http.composite";
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite";

  private CompositeFilterType() {}

  @Override
  public String canonicalName() {
    return NAME;
  }

  @Override
  public String configTypeUrl() {
    return TYPE_URL;
  }

  @Override
  public Composite parse(String filterName, Any typedConfig, String path) throws ConfigException {
    try {
      return typedConfig.unpack(Composite.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Composite: " + e.getMessage());
    }
  }

  @Override
  public HttpFilterFactory factory(Composite config, FilterFactoryContext context) {
    String prefix = "http." + context.statPrefix() + ".composite.";
    Counter success = context.stats().counter(prefix + "filter_delegation_success");
    Counter error = context.stats().counter(prefix + "filter_delegation_error");
    return callbacks -> callbacks.addStreamFilter(new CompositeFilter(success, error));
  }
}
