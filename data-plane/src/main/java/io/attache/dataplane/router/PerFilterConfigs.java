package io.attache.dataplane.router;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code typed_per_filter_config} entries that apply to one route target, most specific level
 * first: weighted cluster, route, virtual host, route configuration. Each entry is parsed and
 * validated once, at compile time, by the {@link PerFilterConfigParser} of the connection manager
 * (the route table knows no filter); a lookup walks at most four small maps and allocates nothing
 * but its answer. Immutable and shared.
 *
 * <p>An entry whose type no running filter reads is kept as "present, no config", so that, as in
 * Envoy, it still shadows a less specific entry of the same name (Envoy's filter then finds no
 * config of its type and uses its own) and still enables a filter that is disabled by default.
 */
public final class PerFilterConfigs {
  static final String FILTER_CONFIG_TYPE_URL =
      "type.googleapis.com/envoy.config.route.v3.FilterConfig";

  /** No entries at any level. */
  public static final PerFilterConfigs NONE = new PerFilterConfigs(Map.of(), null);

  /** One entry: {@code FilterConfig.disabled}, or the config its filter parsed (null: none). */
  private record Entry(boolean disabled, Object config) {}

  private final Map<String, Entry> level;
  private final PerFilterConfigs lessSpecific;

  private PerFilterConfigs(Map<String, Entry> level, PerFilterConfigs lessSpecific) {
    this.level = level;
    this.lessSpecific = lessSpecific;
  }

  /**
   * This chain with one more specific level on top; {@code path} names the level's {@code
   * typed_per_filter_config} owner in errors.
   */
  PerFilterConfigs withMoreSpecific(
      Map<String, Any> entries, String path, PerFilterConfigParser parser) throws ConfigException {
    if (entries.isEmpty()) {
      return this;
    }
    Map<String, Entry> parsed = new HashMap<>();
    for (Map.Entry<String, Any> e : entries.entrySet()) {
      String entryPath =
          (path.isEmpty() ? "" : path + ".") + "typed_per_filter_config[\"" + e.getKey() + "\"]";
      parsed.put(e.getKey(), parse(e.getValue(), entryPath, parser));
    }
    return new PerFilterConfigs(Map.copyOf(parsed), this);
  }

  /** Whether a route names a filter in {@code typed_per_filter_config}, and how. */
  public enum Presence {
    ABSENT,
    PRESENT,
    DISABLED
  }

  /**
   * What the route says to the filter configured as {@code filterName} (canonical name {@code
   * canonicalName}): Envoy's lookup, the most specific entry keyed by the filter's configured name,
   * else (at no level under that name) the most specific one keyed by the canonical name.
   */
  public Presence presence(String filterName, String canonicalName) {
    Entry entry = lookup(filterName, canonicalName);
    if (entry == null) {
      return Presence.ABSENT;
    }
    return entry.disabled() ? Presence.DISABLED : Presence.PRESENT;
  }

  /** The parsed per-route config for that filter, by the same lookup; empty when none. */
  public Optional<Object> config(String filterName, String canonicalName) {
    Entry entry = lookup(filterName, canonicalName);
    return entry == null || entry.config() == null ? Optional.empty() : Optional.of(entry.config());
  }

  /**
   * The parsed per-route configs for that filter at every level, most specific first (Envoy's
   * {@code getAllPerFilterConfig}, for filters such as CORS that merge levels field by field); at
   * each level the entry under the configured name, else under the canonical name. Levels without a
   * config (absent, disabled, or of a type no filter reads) are left out.
   */
  public List<Object> allConfigs(String filterName, String canonicalName) {
    List<Object> configs = new ArrayList<>(2);
    for (PerFilterConfigs l = this; l != null; l = l.lessSpecific) {
      Entry entry = l.level.get(filterName);
      if (entry == null) {
        entry = l.level.get(canonicalName);
      }
      if (entry != null && entry.config() != null) {
        configs.add(entry.config());
      }
    }
    return configs;
  }

  private Entry lookup(String filterName, String canonicalName) {
    Entry entry = mostSpecific(filterName);
    return entry != null ? entry : mostSpecific(canonicalName);
  }

  private Entry mostSpecific(String key) {
    for (PerFilterConfigs l = this; l != null; l = l.lessSpecific) {
      Entry entry = l.level.get(key);
      if (entry != null) {
        return entry;
      }
    }
    return null;
  }

  /**
   * One entry: a {@code FilterConfig} wrapper (its {@code disabled}, its {@code config} read as a
   * bare entry) or a filter's own per-route type, parsed by {@code parser}.
   */
  private static Entry parse(Any value, String path, PerFilterConfigParser parser)
      throws ConfigException {
    if (!value.getTypeUrl().equals(FILTER_CONFIG_TYPE_URL)) {
      return new Entry(false, parser.parse(value, path));
    }
    FilterConfig wrapper;
    try {
      wrapper = value.unpack(FilterConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a FilterConfig: " + e.getMessage());
    }
    if (wrapper.getDisabled()) {
      return new Entry(true, null);
    }
    return new Entry(
        false, wrapper.hasConfig() ? parser.parse(wrapper.getConfig(), path + ".config") : null);
  }
}
