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
 * Envoy's runtime as Attaché has it: the bootstrap's {@code layered_runtime}, its static layers
 * flattened to dotted keys and merged in order (a later layer overrides an earlier one), and an
 * admin layer that stays empty. The values are fixed for the life of the process, so consumers may
 * resolve them when they compile their config. Immutable; it never reads a disk, an admin request
 * or RTDS.
 */
public final class RuntimeSnapshot {
  /** No {@code layered_runtime}: every lookup answers its default. */
  public static final RuntimeSnapshot EMPTY = new RuntimeSnapshot(List.of(), Map.of());

  /** One layer as {@code /runtime} shows it: its name and its own entries. */
  public record Layer(String name, Map<String, RuntimeEntry> entries) {}

  private final List<Layer> layers;
  private final Map<String, RuntimeEntry> merged;

  private RuntimeSnapshot(List<Layer> layers, Map<String, RuntimeEntry> merged) {
    this.layers = layers;
    this.merged = merged;
  }

  /**
   * Validates and flattens {@code runtime} as Envoy does: every layer named, names unique, one
   * specifier each; a static layer's list or null value is refused.
   *
   * @param path where {@code runtime} sits, for errors (e.g. {@code layered_runtime})
   */
  public static RuntimeSnapshot from(LayeredRuntime runtime, String path) throws ConfigException {
    java.util.ArrayList<Layer> layers = new java.util.ArrayList<>();
    Map<String, RuntimeEntry> merged = new LinkedHashMap<>();
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
        case ADMIN_LAYER -> {} // empty: Attaché serves no /runtime_modify to fill it
        case DISK_LAYER ->
            throw new ConfigException(
                layerPath + ".disk_layer", "not supported: disk runtime layers are not read");
        case RTDS_LAYER ->
            throw new ConfigException(
                layerPath + ".rtds_layer", "not supported: RTDS runtime layers are not fetched");
        default -> throw new ConfigException(layerPath, "a runtime layer needs a layer specifier");
      }
      merged.putAll(entries);
      layers.add(new Layer(layer.getName(), Map.copyOf(entries)));
    }
    return new RuntimeSnapshot(List.copyOf(layers), Map.copyOf(merged));
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
