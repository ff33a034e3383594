package io.attache.dataplane.accesslog;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.json.JsonStrings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code %DYNAMIC_METADATA(NAMESPACE:KEY*):Z%} as Envoy formats it: the whole namespace, or the
 * value at the key path inside it; a string as it is, anything else as JSON; {@code -} when the
 * namespace or a key is missing; {@code :Z} truncates the text. Never reads anything but the entry.
 */
final class DynamicMetadataOperator {
  private DynamicMetadataOperator() {}

  static CommandOperators.Operator parse(Optional<String> arg, int maxLength, String fieldPath)
      throws ConfigException {
    if (arg.isEmpty() || arg.get().isEmpty()) {
      throw new ConfigException(
          fieldPath, "DYNAMIC_METADATA needs a namespace, as DYNAMIC_METADATA(NAMESPACE:KEY*):Z");
    }
    String[] parts = arg.get().split(":", -1);
    for (String part : parts) {
      if (part.isEmpty()) {
        throw new ConfigException(
            fieldPath, "DYNAMIC_METADATA(" + arg.get() + ") has an empty namespace or key");
      }
    }
    String namespace = parts[0];
    List<String> keys = List.copyOf(Arrays.asList(parts).subList(1, parts.length));
    return e -> format(lookup(e.dynamicMetadata(), namespace, keys), maxLength);
  }

  private static Value lookup(Map<String, Struct> metadata, String namespace, List<String> keys) {
    Struct current = metadata.get(namespace);
    if (current == null) {
      return null;
    }
    Value v = Value.newBuilder().setStructValue(current).build();
    for (String key : keys) {
      if (v.getKindCase() != Value.KindCase.STRUCT_VALUE) {
        return null;
      }
      v = v.getStructValue().getFieldsMap().get(key);
      if (v == null) {
        return null;
      }
    }
    return v;
  }

  private static FieldValue format(Value v, int maxLength) {
    if (v == null || v.getKindCase() == Value.KindCase.NULL_VALUE) {
      return FieldValue.ABSENT;
    }
    if (v.getKindCase() == Value.KindCase.STRING_VALUE) {
      return FieldValue.text(truncate(v.getStringValue(), maxLength));
    }
    StringBuilder json = new StringBuilder();
    appendJson(json, v);
    if (maxLength >= 0 && json.length() > maxLength) {
      // Truncated JSON is no longer JSON: it is logged as text, as Envoy's truncated string is.
      return FieldValue.text(json.substring(0, maxLength));
    }
    return FieldValue.json(json.toString());
  }

  private static String truncate(String value, int maxLength) {
    return maxLength >= 0 && value.length() > maxLength ? value.substring(0, maxLength) : value;
  }

  /** Protobuf's JSON for a {@code Value}, compact, numbers without a needless fraction. */
  static void appendJson(StringBuilder out, Value v) {
    switch (v.getKindCase()) {
      case STRING_VALUE -> JsonStrings.appendString(out, v.getStringValue());
      case BOOL_VALUE -> out.append(v.getBoolValue());
      case NUMBER_VALUE -> {
        double d = v.getNumberValue();
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
          out.append((long) d);
        } else {
          out.append(d);
        }
      }
      case STRUCT_VALUE -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Value> field : v.getStructValue().getFieldsMap().entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          JsonStrings.appendString(out, field.getKey());
          out.append(':');
          appendJson(out, field.getValue());
        }
        out.append('}');
      }
      case LIST_VALUE -> {
        out.append('[');
        List<Value> values = v.getListValue().getValuesList();
        for (int i = 0; i < values.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          appendJson(out, values.get(i));
        }
        out.append(']');
      }
      default -> out.append("null");
    }
  }
}
