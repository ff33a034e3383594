package io.attache.dataplane.filter;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;

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

  /** True only for the router: it must be last and produces the response. */
  default boolean terminal() {
    return false;
  }
}
