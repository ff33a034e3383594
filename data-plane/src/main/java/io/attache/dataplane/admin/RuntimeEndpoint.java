package io.attache.dataplane.admin;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.runtime.RuntimeEntry;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Envoy's {@code /runtime}: the runtime layers in the order they apply and, per key that any layer
 * sets, the raw value in each layer ({@code ""} where a layer does not set it) and the value that
 * applies. Keys are sorted. Read-only: Attaché has no {@code /runtime_modify}.
 */
final class RuntimeEndpoint {
  private final Supplier<RuntimeSnapshot> runtime;

  RuntimeEndpoint(Supplier<RuntimeSnapshot> runtime) {
    this.runtime = runtime;
  }

  /** The answer as a JSON object: {@code {"entries": {key: {...}}, "layers": [...]}}, as Envoy. */
  Struct json() {
    RuntimeSnapshot snapshot = runtime.get();
    List<RuntimeSnapshot.Layer> layers = snapshot.layers();
    ListValue.Builder layerNames = ListValue.newBuilder();
    layers.forEach(l -> layerNames.addValues(string(l.name())));
    Struct.Builder entries = Struct.newBuilder();
    for (String key : new TreeSet<>(snapshot.keys())) {
      ListValue.Builder layerValues = ListValue.newBuilder();
      for (RuntimeSnapshot.Layer layer : layers) {
        RuntimeEntry entry = layer.entries().get(key);
        layerValues.addValues(string(entry == null ? "" : entry.raw()));
      }
      String finalValue = snapshot.get(key).map(RuntimeEntry::raw).orElse("");
      entries.putFields(
          key,
          Value.newBuilder()
              .setStructValue(
                  Struct.newBuilder()
                      .putFields(
                          "layer_values", Value.newBuilder().setListValue(layerValues).build())
                      .putFields("final_value", string(finalValue)))
              .build());
    }
    return Struct.newBuilder()
        .putFields("entries", Value.newBuilder().setStructValue(entries).build())
        .putFields("layers", Value.newBuilder().setListValue(layerNames).build())
        .build();
  }

  private static Value string(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }
}
