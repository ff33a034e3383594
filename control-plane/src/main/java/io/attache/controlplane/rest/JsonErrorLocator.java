package io.attache.controlplane.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds where a JSON body that proto3 JSON parsing refused goes wrong, and says it in the body's
 * own terms. The protobuf parser names neither the field nor, in words, what it wanted; so each
 * member is parsed alone (then each element, each map value, each nested member) until the smallest
 * piece that fails is found, and the message is written from that field's type — {@code
 * connect_timeout}: must be a duration such as "1.5s" — never from the exception. Runs only on the
 * error path. Thread-safe.
 */
final class JsonErrorLocator {

  /** The field at fault, as a path relative to the body, and what is wrong with it. */
  record Fault(String field, String message) {}

  /** Types whose JSON form is not an object of their fields: each is one value to JSON. */
  private static final Set<String> WELL_KNOWN =
      Set.of(
          "google.protobuf.Duration",
          "google.protobuf.Timestamp",
          "google.protobuf.FieldMask",
          "google.protobuf.Struct",
          "google.protobuf.Value",
          "google.protobuf.ListValue",
          "google.protobuf.NullValue",
          "google.protobuf.Empty",
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private static final String ANY = "google.protobuf.Any";
  private static final int ECHOED_CHARS = 40;

  private final JsonFormat.Parser parser;
  private final TypeRegistry types;

  JsonErrorLocator(JsonFormat.Parser parser, TypeRegistry types) {
    this.parser = parser;
    this.types = types;
  }

  Optional<Fault> locate(JsonNode object, Descriptor type) {
    return locate(object, type, "");
  }

  private Optional<Fault> locate(JsonNode object, Descriptor type, String path) {
    Map<FieldDescriptor, String> seen = new HashMap<>();
    Map<OneofDescriptor, String> oneofs = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      String name = member.getKey();
      JsonNode value = member.getValue();
      FieldDescriptor field = field(type, name);
      String at = join(path, field == null ? name : field.getName());
      if (field == null) {
        return fault(at, "unknown field: " + type.getName() + " has no field '" + name + "'");
      }
      if (!parses(single(name, value), type)) {
        return Optional.of(inField(field, name, value, at));
      }
      String twice = seen.put(field, name);
      if (twice != null) {
        return fault(at, "set twice, as '" + twice + "' and as '" + name + "'");
      }
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null && !value.isNull()) {
        String other = oneofs.put(oneof, name);
        if (other != null) {
          return fault(at, "only one of " + members(oneof) + " may be set; '" + other + "' is");
        }
      }
    }
    return Optional.empty();
  }

  /** Where inside one member that does not parse alone the fault is. */
  private Fault inField(FieldDescriptor field, String name, JsonNode value, String at) {
    if (value.isNull()) {
      return new Fault(at, "must not be null");
    }
    if (field.isMapField()) {
      if (!value.isObject()) {
        return new Fault(at, "must be a JSON object, not " + kind(value));
      }
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        ObjectNode one = JsonNodeFactory.instance.objectNode();
        one.set(entry.getKey(), entry.getValue());
        if (!parses(single(name, one), field.getContainingType())) {
          String entryAt = at + "[\"" + echoed(entry.getKey()) + "\"]";
          return within(valueField, entry.getValue(), entryAt);
        }
      }
      return new Fault(at, "has a key that is not " + keyKind(field));
    }
    if (field.isRepeated()) {
      if (!value.isArray()) {
        return new Fault(at, "must be a JSON array, not " + kind(value));
      }
      for (int i = 0; i < value.size(); i++) {
        JsonNode element = value.get(i);
        if (!parses(
            single(name, JsonNodeFactory.instance.arrayNode().add(element)),
            field.getContainingType())) {
          return within(field, element, at + "[" + i + "]");
        }
      }
      return new Fault(at, "must be " + expected(field));
    }
    return within(field, value, at);
  }

  /** The fault in one value of {@code field}: deeper if it is a message of its own fields. */
  private Fault within(FieldDescriptor field, JsonNode value, String at) {
    if (value.isNull()) {
      return new Fault(at, "must not be null");
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      Descriptor type = field.getMessageType();
      if (type.getFullName().equals(ANY)) {
        return inAny(value, at);
      }
      if (!WELL_KNOWN.contains(type.getFullName())) {
        if (!value.isObject()) {
          return new Fault(at, "must be a JSON object, not " + kind(value));
        }
        return locate(value, type, at).orElse(new Fault(at, "must be " + expected(field)));
      }
    }
    return new Fault(at, "must be " + expected(field) + ", not " + shown(value));
  }

  private Fault inAny(JsonNode value, String at) {
    if (!value.isObject() || !value.path("@type").isTextual()) {
      return new Fault(
          at + ".@type", "must name the packed type, e.g. \"type.googleapis.com/...\"");
    }
    String url = value.get("@type").asText();
    Descriptor type;
    try {
      type = types.getDescriptorForTypeUrl(url);
    } catch (InvalidProtocolBufferException e) {
      type = null;
    }
    if (type == null) {
      return new Fault(at + ".@type", "'" + echoed(url) + "' is not a type this API knows");
    }
    if (WELL_KNOWN.contains(type.getFullName())) {
      return new Fault(at + ".value", "must be the JSON form of " + type.getName());
    }
    ObjectNode fields = ((ObjectNode) value).deepCopy();
    fields.remove("@type");
    return locate(fields, type, at).orElse(new Fault(at, "must be a valid " + type.getName()));
  }

  private boolean parses(JsonNode object, Descriptor type) {
    try {
      parser.merge(object.toString(), DynamicMessage.newBuilder(type));
      return true;
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      return false;
    }
  }

  private static ObjectNode single(String name, JsonNode value) {
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    object.set(name, value);
    return object;
  }

  private static FieldDescriptor field(Descriptor type, String name) {
    FieldDescriptor byName = type.findFieldByName(name);
    if (byName != null) {
      return byName;
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJsonName().equals(name)) {
        return field;
      }
    }
    return null;
  }

  /** What a value of {@code field}'s type looks like in JSON, for a person. */
  private static String expected(FieldDescriptor field) {
    switch (field.getJavaType()) {
      case BOOLEAN:
        return "true or false";
      case INT:
        return field.getType() == FieldDescriptor.Type.UINT32
                || field.getType() == FieldDescriptor.Type.FIXED32
            ? "a whole number from 0 to 4294967295"
            : "a whole number from -2147483648 to 2147483647";
      case LONG:
        return field.getType() == FieldDescriptor.Type.UINT64
                || field.getType() == FieldDescriptor.Type.FIXED64
            ? "a whole number from 0 to 18446744073709551615"
            : "a whole number from -9223372036854775808 to 9223372036854775807";
      case FLOAT:
      case DOUBLE:
        return "a number";
      case STRING:
        return "a string";
      case BYTE_STRING:
        return "base64 text";
      case ENUM:
        return "one of "
            + field.getEnumType().getValues().stream()
                .map(v -> v.getName())
                .collect(Collectors.joining(", "));
      default:
        return wellKnown(field.getMessageType());
    }
  }

  private static String wellKnown(Descriptor type) {
    switch (type.getFullName()) {
      case "google.protobuf.Duration":
        return "a duration: seconds with an 's', such as \"1.5s\" or \"0.250s\"";
      case "google.protobuf.Timestamp":
        return "an RFC 3339 time such as \"2030-01-01T00:00:00Z\"";
      case "google.protobuf.FieldMask":
        return "a comma-separated list of field paths";
      case "google.protobuf.BoolValue":
        return "true or false";
      case "google.protobuf.UInt32Value":
        return "a whole number from 0 to 4294967295";
      case "google.protobuf.Int32Value":
        return "a whole number from -2147483648 to 2147483647";
      case "google.protobuf.UInt64Value":
        return "a whole number from 0 to 18446744073709551615";
      case "google.protobuf.Int64Value":
        return "a whole number from -9223372036854775808 to 9223372036854775807";
      case "google.protobuf.DoubleValue":
      case "google.protobuf.FloatValue":
        return "a number";
      case "google.protobuf.StringValue":
        return "a string";
      case "google.protobuf.BytesValue":
        return "base64 text";
      case "google.protobuf.ListValue":
        return "a JSON array";
      case "google.protobuf.Empty":
      case "google.protobuf.Struct":
        return "a JSON object";
      default:
        return "a JSON object";
    }
  }

  private static String keyKind(FieldDescriptor mapField) {
    FieldDescriptor key = mapField.getMessageType().findFieldByName("key");
    return key.getJavaType() == FieldDescriptor.JavaType.STRING ? "a string" : expected(key);
  }

  private static String members(OneofDescriptor oneof) {
    return oneof.getFields().stream()
        .map(FieldDescriptor::getName)
        .collect(Collectors.joining(", "));
  }

  /** What kind of JSON value this is, in JSON's words. */
  static String kind(JsonNode value) {
    switch (value.getNodeType()) {
      case ARRAY:
        return "an array";
      case OBJECT:
        return "an object";
      case STRING:
        return "a string";
      case NUMBER:
        return "a number";
      case BOOLEAN:
        return "a boolean";
      case NULL:
        return "null";
      default:
        return "that";
    }
  }

  /** The value, short, as JSON: {@code "500ms"}, {@code 70000}, {@code an object}. */
  private static String shown(JsonNode value) {
    if (value.isContainerNode()) {
      return kind(value);
    }
    return echoed(value.toString());
  }

  private static String echoed(String text) {
    return text.length() <= ECHOED_CHARS ? text : text.substring(0, ECHOED_CHARS) + "…";
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static Optional<Fault> fault(String field, String message) {
    return Optional.of(new Fault(field, message));
  }
}
