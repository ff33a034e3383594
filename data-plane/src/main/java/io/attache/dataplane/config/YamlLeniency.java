package io.attache.dataplane.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

/**
 * What Envoy's config loader accepts beyond protobuf's JSON mapping, rewritten into that mapping
 * before parsing: enum names in any case ({@code codec_type: auto}), a {@code Duration} as an
 * object ({@code timeout: {seconds: 30, nanos: 5}}) and a wrapper type as an object ({@code
 * max_requests: {value: 10}}). Anything else is left alone for the strict parser to judge.
 * Stateless.
 */
final class YamlLeniency {
  private static final Set<String> WRAPPERS =
      Set.of(
          "google.protobuf.BoolValue",
          "google.protobuf.UInt32Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int64Value",
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private YamlLeniency() {}

  /**
   * {@code value} of {@code field}, rewritten if Envoy would accept it in this form; else itself.
   */
  static JsonElement normalize(JsonElement value, FieldDescriptor field) {
    if (field.isRepeated() && !field.isMapField() && value.isJsonArray()) {
      JsonArray array = value.getAsJsonArray();
      for (int i = 0; i < array.size(); i++) {
        JsonElement element = one(array.get(i), field);
        if (element != array.get(i)) {
          array.set(i, element);
        }
      }
      return value;
    }
    return field.isMapField() ? value : one(value, field);
  }

  private static JsonElement one(JsonElement value, FieldDescriptor field) {
    if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
      return enumName(value, field.getEnumType());
    }
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !value.isJsonObject()) {
      return value;
    }
    String type = field.getMessageType().getFullName();
    JsonObject object = value.getAsJsonObject();
    if (type.equals("google.protobuf.Duration")) {
      return duration(object);
    }
    if (WRAPPERS.contains(type) && object.size() == 1 && object.has("value")) {
      return object.get("value");
    }
    return value;
  }

  /** An enum name in another case becomes the declared name (Envoy compares case-insensitively). */
  private static JsonElement enumName(JsonElement value, EnumDescriptor type) {
    if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
      return value;
    }
    String name = value.getAsString();
    if (type.findValueByName(name) != null) {
      return value;
    }
    for (EnumValueDescriptor candidate : type.getValues()) {
      if (candidate.getName().equalsIgnoreCase(name)) {
        return new JsonPrimitive(candidate.getName());
      }
    }
    return value;
  }

  /** {@code {seconds, nanos}} becomes protobuf's {@code "<seconds>.<nanos>s"} string. */
  private static JsonElement duration(JsonObject object) {
    for (Map.Entry<String, JsonElement> e : object.entrySet()) {
      if (!(e.getKey().equals("seconds") || e.getKey().equals("nanos"))
          || !e.getValue().isJsonPrimitive()) {
        return object;
      }
    }
    try {
      long seconds = object.has("seconds") ? object.get("seconds").getAsLong() : 0;
      int nanos = object.has("nanos") ? object.get("nanos").getAsInt() : 0;
      BigDecimal total = BigDecimal.valueOf(seconds).add(BigDecimal.valueOf(nanos, 9));
      return new JsonPrimitive(total.stripTrailingZeros().toPlainString() + "s");
    } catch (NumberFormatException | ArithmeticException e) {
      return object; // the strict parser names the field
    }
  }
}
