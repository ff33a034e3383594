package io.attache.dataplane.filter;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import java.util.Set;

/**
 * One kind of HTTP filter Attaché runs, registered by the type URL of its config (Envoy's {@code
 * NamedHttpFilterConfigFactory}): parses an {@code HttpFilter.typed_config} once into an immutable
 * config, and turns that config into a running {@link HttpFilterFactory} per listener. Stateless.
 *
 * @param <C> the parsed, immutable config
 */
public interface HttpFilterType<C> {
  /** The filter's canonical name, e.g. {@code envoy.filters.http.rbac}. */
  String canonicalName();

  /** The type URL of its {@code typed_config}. */
  String configTypeUrl();

  /**
   * Parses and validates the config of the filter named {@code filterName}; errors name {@code
   * path}.
   */
  C parse(String filterName, Any typedConfig, String path) throws ConfigException;

  /** A running factory for one listener; its stats are created here, once. */
  HttpFilterFactory factory(C config, FilterFactoryContext context);

  /** Type URLs of the per-route configs ({@code typed_per_filter_config}) this filter reads. */
  default Set<String> perRouteConfigTypeUrls() {
    return Set.of();
  }

  /**
   * Parses a per-route config of one of {@link #perRouteConfigTypeUrls()} once, at route compile
   * time, into the immutable form the filter looks up per request; errors name {@code path}.
   */
  default Object parsePerRoute(Any typedConfig, String path) throws ConfigException {
    throw new ConfigException(path, canonicalName() + " takes no per-route config");
  }

  /** True only for the router: it must be last and produces the response. */
  default boolean terminal() {
    return false;
  }
}
