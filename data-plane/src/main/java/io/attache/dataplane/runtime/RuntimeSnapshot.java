package io.attache.dataplane.runtime;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Envoy's runtime snapshot as Attaché has it: the bootstrap's {@code layered_runtime}, its static
 * layers flattened to dotted keys, at most one admin layer (filled by {@code /runtime_modify}
 * through {@link RuntimeLoader}), merged in order (a later layer overrides an earlier one).
 * Immutable: a change is a new snapshot; it never reads a disk or RTDS.
 */
public final class RuntimeSnapshot implements Runtime {
  /** No {@code layered_runtime}: every lookup answers its default. */
  public static final RuntimeSnapshot EMPTY = new RuntimeSnapshot(List.of(), -1);

  /** One layer as {@code /runtime} shows it: its name and its own entries. */
  public record Layer(String name, Map<String, RuntimeEntry> entries) {}

  private final List<Layer> layers;
  private final int adminLayer;
  private final Map<String, RuntimeEntry> merged;

  private RuntimeSnapshot(List<Layer> layers, int adminLayer) {
    this.layers = List.copyOf(layers);
    this.adminLayer = adminLayer;
    Map<String, RuntimeEntry> merged = new LinkedHashMap<>();
    layers.forEach(layer -> merged.putAll(layer.entries()));
    this.merged = Map.copyOf(merged);
  }

  /**
   * Validates and flattens {@code runtime} as Envoy does: every layer named, names unique, one
   * specifier each; a static layer's list or null value is refused.
   *
   * @param path where {@code runtime} sits, for errors (e.g. {@code layered_runtime})
   */
  public static RuntimeSnapshot from(LayeredRuntime runtime, String path) throws ConfigException {
    java.util.ArrayList<Layer> layers = new java.util.ArrayList<>();
    int adminLayer = -1;
    Set<String> names = new HashSet<>();
    for (int i = 0; i < runtime.getLayersCount(); i++) {
      RuntimeLayer layer = runtime.getLayers(i);
      String layerPath = path + ".layers[" + i + "]";
      if (layer.getName().isEmpty()) {
        throw new ConfigException(layerPath + ".name", "a runtime layer needs a name");
      }
      if (!names.add(layer.getName())) {
        throw new ConfigException(
            layerPath + ".name", "duplicate runtime layer name " + layer.getName());
      }
      Map<String, RuntimeEntry> entries = new LinkedHashMap<>();
      switch (layer.getLayerSpecifierCase()) {
        case STATIC_LAYER -> walk(layer.getStaticLayer(), "", entries, layerPath + ".static_layer");
        case ADMIN_LAYER -> {
          if (adminLayer >= 0) {
            throw new ConfigException(
                layerPath + ".admin_layer",
                "Too many admin layers specified in LayeredRuntime, at most one may be specified");
          }
          adminLayer = i; // empty until /runtime_modify fills it
        }
        case DISK_LAYER ->
            throw new ConfigException(
                layerPath + ".disk_layer", "not supported: disk runtime layers are not read");
        case RTDS_LAYER ->
            throw new ConfigException(
                layerPath + ".rtds_layer", "not supported: RTDS runtime layers are not fetched");
        default -> throw new ConfigException(layerPath, "a runtime layer needs a layer specifier");
      }
      layers.add(new Layer(layer.getName(), Map.copyOf(entries)));
    }
    if (layers.isEmpty()) {
      // Envoy gives a layered_runtime without layers one unnamed admin layer.
      layers.add(new Layer("", Map.of()));
      adminLayer = 0;
    }
    return new RuntimeSnapshot(layers, adminLayer);
  }

  /** Whether the layers include an admin layer ({@code /runtime_modify} needs one). */
  public boolean hasAdminLayer() {
    return adminLayer >= 0;
  }

  /** How many keys the admin layer sets. */
  public int adminLayerSize() {
    return adminLayer < 0 ? 0 : layers.get(adminLayer).entries().size();
  }

  /**
   * This snapshot with {@code values} merged into the admin layer: each key set to its value (read
   * as a static layer's string is), an empty value removing the key.
   *
   * @throws IllegalStateException when there is no admin layer (Envoy's "No admin layer specified")
   */
  RuntimeSnapshot withAdminValues(Map<String, String> values) {
    if (adminLayer < 0) {
      throw new IllegalStateException("No admin layer specified");
    }
    Layer admin = layers.get(adminLayer);
    Map<String, RuntimeEntry> entries = new LinkedHashMap<>(admin.entries());
    values.forEach(
        (key, value) -> {
          if (value.isEmpty()) {
            entries.remove(key);
          } else {
            entries.put(key, RuntimeEntry.ofString(value));
          }
        });
    List<Layer> next = new java.util.ArrayList<>(layers);
    next.set(adminLayer, new Layer(admin.name(), Map.copyOf(entries)));
    return new RuntimeSnapshot(next, adminLayer);
  }

  @Override
  public RuntimeSnapshot snapshot() {
    return this;
  }

  private static void walk(Struct struct, String prefix, Map<String, RuntimeEntry> out, String path)
      throws ConfigException {
    for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
      String key = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      Value value = field.getValue();
      switch (value.getKindCase()) {
        case STRING_VALUE -> out.put(key, RuntimeEntry.ofString(value.getStringValue()));
        case NUMBER_VALUE -> out.put(key, RuntimeEntry.ofNumber(value.getNumberValue()));
        case BOOL_VALUE -> out.put(key, RuntimeEntry.ofBoolean(value.getBoolValue()));
        case STRUCT_VALUE -> {
          Struct s = value.getStructValue();
          // Envoy reads an empty object, or one with a numerator or denominator, as a percent.
          if (s.getFieldsCount() == 0
              || s.containsFields("numerator")
              || s.containsFields("denominator")) {
            out.put(key, RuntimeEntry.ofFractionalPercent(s));
          } else {
            walk(s, key, out, path);
          }
        }
        default ->
            throw new ConfigException(path + "." + key, "Invalid runtime entry value for " + key);
      }
    }
  }

  /** The layers in the order they apply, each with its own entries. */
  public List<Layer> layers() {
    return layers;
  }

  /** Every key some layer sets. */
  public Set<String> keys() {
    return merged.keySet();
  }

  /** The entry that applies to {@code key}: the last layer's that has it. */
  public Optional<RuntimeEntry> get(String key) {
    return key.isEmpty() ? Optional.empty() : Optional.ofNullable(merged.get(key));
  }

  /**
   * Envoy's {@code getInteger(key, default)}: the key's unsigned integer, else {@code
   * defaultValue}.
   */
  public long integer(String key, long defaultValue) {
    return get(key)
        .map(RuntimeEntry::unsignedInteger)
        .filter(value -> value.isPresent())
        .map(value -> value.getAsLong())
        .orElse(defaultValue);
  }

  /**
   * Envoy's {@code getBoolean(key, default)}: the key's boolean ({@code true}/{@code false}), else
   * {@code defaultValue} (a {@code RuntimeFeatureFlag}).
   */
  public boolean bool(String key, boolean defaultValue) {
    return get(key).flatMap(RuntimeEntry::bool).orElse(defaultValue);
  }

  /**
   * Envoy's {@code featureEnabled(key, default)} as a fraction to draw against: the key's
   * fractional percent; else its integer read as a percent (over 100 always enabled); else {@code
   * defaultValue}.
   */
  public FractionalPercent fractionalPercent(String key, FractionalPercent defaultValue) {
    Optional<RuntimeEntry> entry = get(key);
    if (entry.isPresent() && entry.get().fractionalPercent().isPresent()) {
      return entry.get().fractionalPercent().get();
    }
    if (entry.isPresent() && entry.get().unsignedInteger().isPresent()) {
      long percent = entry.get().unsignedInteger().getAsLong();
      return FractionalPercent.newBuilder()
          .setNumerator((int) Math.min(percent, 101))
          .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
          .build();
    }
    return defaultValue;
  }
}
