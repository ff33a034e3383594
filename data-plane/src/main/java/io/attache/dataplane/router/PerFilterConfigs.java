package io.attache.dataplane.router;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.fault.HttpFaultConfig;
import io.attache.dataplane.filter.fault.PerRouteFault;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code typed_per_filter_config} entries that apply to one route target, most specific level
 * first: weighted cluster, route, virtual host, route configuration. Each entry is parsed and
 * validated once, at compile time; a lookup walks at most four small maps and allocates nothing.
 * Immutable and shared.
 *
 * <p>Only the fault filter reads these entries here. Entries of any other type are kept only as
 * "present but not a fault config", so that, as in Envoy, they still shadow a less specific entry
 * of the same name (Envoy's filter then finds a config of the wrong type and uses its own).
 */
public final class PerFilterConfigs {
  static final String FILTER_CONFIG_TYPE_URL =
      "type.googleapis.com/envoy.config.route.v3.FilterConfig";

  /** No entries at any level. */
  public static final PerFilterConfigs NONE = new PerFilterConfigs(Map.of(), null);

  private final Map<String, PerRouteFault> level;
  private final PerFilterConfigs lessSpecific;

  private PerFilterConfigs(Map<String, PerRouteFault> level, PerFilterConfigs lessSpecific) {
    this.level = level;
    this.lessSpecific = lessSpecific;
  }

  /**
   * This chain with one more specific level on top; {@code path} names the level's {@code
   * typed_per_filter_config} owner in errors.
   */
  PerFilterConfigs withMoreSpecific(Map<String, Any> entries, String path) throws ConfigException {
    if (entries.isEmpty()) {
      return this;
    }
    Map<String, PerRouteFault> parsed = new HashMap<>();
    for (Map.Entry<String, Any> e : entries.entrySet()) {
      String entryPath =
          (path.isEmpty() ? "" : path + ".") + "typed_per_filter_config[\"" + e.getKey() + "\"]";
      parsed.put(e.getKey(), parse(e.getValue(), entryPath));
    }
    return new PerFilterConfigs(Map.copyOf(parsed), this);
  }

  /**
   * What the route says to the fault filter configured as {@code filterName}: Envoy's lookup, the
   * most specific entry keyed by the filter's configured name, else (at no level under that name)
   * the most specific one keyed by the canonical {@code envoy.filters.http.fault}.
   */
  public PerRouteFault fault(String filterName) {
    Optional<PerRouteFault> byName = mostSpecific(filterName);
    if (byName.isPresent()) {
      return byName.get();
    }
    return mostSpecific(HttpFaultConfig.FILTER_NAME).orElse(PerRouteFault.FILTER_CONFIG);
  }

  /**
   * What the route says to the filter configured as {@code filterName} (canonical name {@code
   * canonicalName}), by the same lookup: {@link Presence#DISABLED} for {@code
   * FilterConfig.disabled}, {@link Presence#ABSENT} when no level names it, {@link
   * Presence#PRESENT} otherwise (an entry, which also enables a filter that is disabled by
   * default).
   */
  public Presence presence(String filterName, String canonicalName) {
    Optional<PerRouteFault> entry = mostSpecific(filterName);
    if (entry.isEmpty()) {
      entry = mostSpecific(canonicalName);
    }
    if (entry.isEmpty()) {
      return Presence.ABSENT;
    }
    return entry.get().kind() == PerRouteFault.Kind.DISABLED ? Presence.DISABLED : Presence.PRESENT;
  }

  /**
   * The parsed per-route config for the filter configured as {@code filterName} (today only the
   * fault filter takes one), by the same lookup; empty when none or disabled.
   */
  public Optional<Object> config(String filterName, String canonicalName) {
    Optional<PerRouteFault> entry = mostSpecific(filterName);
    if (entry.isEmpty()) {
      entry = mostSpecific(canonicalName);
    }
    return entry.flatMap(e -> e.config().map(c -> (Object) c));
  }

  /** Whether a route names a filter in {@code typed_per_filter_config}, and how. */
  public enum Presence {
    ABSENT,
    PRESENT,
    DISABLED
  }

  private Optional<PerRouteFault> mostSpecific(String key) {
    for (PerFilterConfigs l = this; l != null; l = l.lessSpecific) {
      PerRouteFault entry = l.level.get(key);
      if (entry != null) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  /**
   * One entry: an {@code HTTPFault} (validated as the filter's own config is), or a {@code
   * FilterConfig} wrapper whose {@code disabled} switches the filter off and whose {@code config}
   * is read as a bare entry. Any other type belongs to a filter Attaché does not run, so it cannot
   * take effect; it is kept as a shadowing entry only.
   */
  private static PerRouteFault parse(Any value, String path) throws ConfigException {
    if (value.getTypeUrl().equals(HttpFaultConfig.TYPE_URL)) {
      return PerRouteFault.override(HttpFaultConfig.from(value, path));
    }
    if (!value.getTypeUrl().equals(FILTER_CONFIG_TYPE_URL)) {
      return PerRouteFault.FILTER_CONFIG;
    }
    FilterConfig wrapper;
    try {
      wrapper = value.unpack(FilterConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a FilterConfig: " + e.getMessage());
    }
    if (wrapper.getDisabled()) {
      return PerRouteFault.DISABLED;
    }
    if (wrapper.getConfig().getTypeUrl().equals(HttpFaultConfig.TYPE_URL)) {
      return PerRouteFault.override(HttpFaultConfig.from(wrapper.getConfig(), path + ".config"));
    }
    return PerRouteFault.FILTER_CONFIG;
  }
}
