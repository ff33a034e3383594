package io.attache.dataplane.accesslog;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.json.JsonStrings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An Envoy JSON access-log format ({@code json_format}), parsed once: one JSON object per line, in
 * the configured key order (sorted with {@code json_format_options.sort_properties}). A value that
 * is exactly one operator keeps its type (numbers stay numbers) and is {@code null} when absent;
 * other strings are rendered text. The legacy untyped {@code FileAccessLog.json_format} renders
 * every value as a string and absent ones as {@code "-"}.
 */
public final class JsonAccessLogFormatter implements LineFormat {
  private sealed interface Node permits Constant, Template, ObjectNode {}

  private record Constant(String json) implements Node {}

  private record Template(FormatTemplate template) implements Node {}

  private record ObjectNode(List<Map.Entry<String, Node>> fields) implements Node {}

  private final ObjectNode root;
  private final boolean typed;
  private final boolean omitEmptyValues;

  private JsonAccessLogFormatter(ObjectNode root, boolean typed, boolean omitEmptyValues) {
    this.root = root;
    this.typed = typed;
    this.omitEmptyValues = omitEmptyValues;
  }

  public static JsonAccessLogFormatter parse(
      Struct format, String fieldPath, boolean typed, boolean omitEmptyValues, boolean sort)
      throws ConfigException {
    return new JsonAccessLogFormatter(object(format, fieldPath, sort), typed, omitEmptyValues);
  }

  private static ObjectNode object(Struct struct, String path, boolean sort)
      throws ConfigException {
    Map<String, Value> fields = sort ? new TreeMap<>(struct.getFieldsMap()) : struct.getFieldsMap();
    List<Map.Entry<String, Node>> nodes = new ArrayList<>();
    for (Map.Entry<String, Value> field : fields.entrySet()) {
      String fieldPath = path + "." + field.getKey();
      Value value = field.getValue();
      Node node =
          switch (value.getKindCase()) {
            case STRING_VALUE ->
                new Template(FormatTemplate.parse(value.getStringValue(), fieldPath));
            case STRUCT_VALUE -> object(value.getStructValue(), fieldPath, sort);
            case NUMBER_VALUE -> new Constant(number(value.getNumberValue()));
            case BOOL_VALUE -> new Constant(Boolean.toString(value.getBoolValue()));
            case NULL_VALUE -> new Constant("null");
            default ->
                throw new ConfigException(
                    fieldPath, "only strings, numbers, booleans and nested objects are supported");
          };
      nodes.add(Map.entry(field.getKey(), node));
    }
    return new ObjectNode(nodes);
  }

  @Override
  public String format(AccessLogEntry entry) {
    StringBuilder out = new StringBuilder(256);
    write(out, root, entry);
    return out.append('\n').toString();
  }

  private void write(StringBuilder out, ObjectNode object, AccessLogEntry entry) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Node> field : object.fields()) {
      Optional<String> json = render(field.getValue(), entry);
      if (json.isEmpty()) {
        continue;
      }
      if (!first) {
        out.append(',');
      }
      first = false;
      JsonStrings.appendString(out, field.getKey());
      out.append(':').append(json.get());
    }
    out.append('}');
  }

  /** The JSON for one node, or empty when omit_empty_values drops it. */
  private Optional<String> render(Node node, AccessLogEntry entry) {
    if (node instanceof Constant c) {
      return Optional.of(c.json());
    }
    if (node instanceof ObjectNode o) {
      StringBuilder nested = new StringBuilder();
      write(nested, o, entry);
      return Optional.of(nested.toString());
    }
    FormatTemplate template = ((Template) node).template();
    Optional<CommandOperators.Operator> single = template.singleOperator();
    if (single.isPresent()) {
      FieldValue value = single.get().value(entry);
      if (value.isAbsent()) {
        if (omitEmptyValues) {
          return Optional.empty();
        }
        return Optional.of(typed ? "null" : "\"-\"");
      }
      if (typed
          && (value.kind() == FieldValue.Kind.NUMBER || value.kind() == FieldValue.Kind.JSON)) {
        return Optional.of(value.text());
      }
      StringBuilder s = new StringBuilder();
      JsonStrings.appendString(s, value.text());
      return Optional.of(s.toString());
    }
    String text = template.render(entry, omitEmptyValues ? "" : "-");
    if (text.isEmpty() && omitEmptyValues) {
      return Optional.empty();
    }
    StringBuilder s = new StringBuilder();
    JsonStrings.appendString(s, text);
    return Optional.of(s.toString());
  }

  private static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
