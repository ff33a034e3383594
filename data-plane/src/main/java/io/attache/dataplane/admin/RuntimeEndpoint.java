package io.attache.dataplane.admin;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.runtime.RuntimeEntry;
import io.attache.dataplane.runtime.RuntimeLoader;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Envoy's {@code /runtime}: the runtime layers in the order they apply and, per key that any layer
 * sets, the raw value in each layer ({@code ""} where a layer does not set it) and the value that
 * applies. Keys are sorted. And Envoy's {@code /runtime_modify}, which sets or (empty value)
 * removes keys of the admin layer and is refused when the bootstrap declares none. Never changes a
 * static layer.
 */
final class RuntimeEndpoint {
  private static final String MODIFY_USAGE =
      "usage: /runtime_modify?key1=value1&key2=value2&keyN=valueN\n"
          + "       or send the parameters as form values\n"
          + "use an empty value to remove a previously added override";

  private final RuntimeLoader runtime;

  RuntimeEndpoint(RuntimeLoader runtime) {
    this.runtime = runtime;
  }

  /** {@code POST /runtime_modify?key=value...}: the first value of each key applies. */
  AdminResponse modify(Map<String, List<String>> params) {
    if (params.isEmpty()) {
      return AdminResponse.text(400, MODIFY_USAGE);
    }
    if (!runtime.hasAdminLayer()) {
      return AdminResponse.text(503, "No admin layer specified");
    }
    Map<String, String> values = new LinkedHashMap<>();
    params.forEach((key, given) -> values.put(key, given.isEmpty() ? "" : given.get(0)));
    runtime.modify(values);
    return AdminResponse.text(200, "OK\n");
  }

  /** The answer as a JSON object: {@code {"entries": {key: {...}}, "layers": [...]}}, as Envoy. */
  Struct json() {
    RuntimeSnapshot snapshot = runtime.snapshot();
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
