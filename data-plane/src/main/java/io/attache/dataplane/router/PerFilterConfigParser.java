package io.attache.dataplane.router;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;

/**
 * Parses one {@code typed_per_filter_config} value for the HTTP filters the connection manager runs
 * (Envoy asks the filter factory registered for the value's type). The route table knows no filter;
 * the HCM hands it this. Stateless.
 */
@FunctionalInterface
public interface PerFilterConfigParser {
  /** Parses nothing: every entry counts as present, with no config a filter reads. */
  PerFilterConfigParser NONE = (typedConfig, path) -> null;

  /**
   * The parsed, immutable per-route config when a filter Attaché runs reads {@code typedConfig}'s
   * type; null when none does. Errors name {@code path}.
   */
  Object parse(Any typedConfig, String path) throws ConfigException;
}
