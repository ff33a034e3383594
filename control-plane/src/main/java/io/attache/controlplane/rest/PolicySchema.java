package io.attache.controlplane.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.attache.controlplane.store.ResourceKind;
import java.util.Map;

/**
 * The JSON Schema (draft 2020-12) of policy documents, generated from the policy protos so it can
 * never drift from what the server parses: editors (VS Code's YAML extension, IntelliJ) complete
 * and check documents with it. Raw Envoy kinds are described as objects only — Envoy's API is too
 * large to inline, and the server validates them against Envoy's own rules.
 */
final class PolicySchema {

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PolicySchema() {}

  /** The schema as pretty JSON with a trailing newline, as committed in docs/. */
  static String render() {
    try {
      return MAPPER.writeValueAsString(build()) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode build() {
    ObjectNode schema = MAPPER.createObjectNode();
    schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
    schema.put("title", "Attaché policy document (" + PolicyDocuments.API_VERSION + ")");
    schema.put(
        "description",
        "One document of a declarative policy set, as POST /api/v1/apply reads and GET"
            + " /api/v1/export writes. A YAML file holds several, separated by ---.");
    ObjectNode defs = MAPPER.createObjectNode();
    schema.put("type", "object");
    schema.set("required", MAPPER.createArrayNode().add("kind").add("spec"));
    schema.put("additionalProperties", false);
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("apiVersion").put("const", PolicyDocuments.API_VERSION);
    ArrayNode kinds = properties.putObject("kind").putArray("enum");
    PolicyDocuments.KINDS.keySet().forEach(kinds::add);
    properties
        .putObject("name")
        .put("type", "string")
        .put("description", "Required except for MeshDefaults (always 'mesh').");
    properties.putObject("spec").put("type", "object");
    ArrayNode allOf = schema.putArray("allOf");
    for (Map.Entry<String, ResourceKind> kind : PolicyDocuments.KINDS.entrySet()) {
      ObjectNode rule = allOf.addObject();
      rule.putObject("if").putObject("properties").putObject("kind").put("const", kind.getKey());
      ObjectNode then = rule.putObject("then").putObject("properties").putObject("spec");
      Descriptor message = kind.getValue().prototype().getDescriptorForType();
      if (kind.getValue().name().startsWith("RAW_")) {
        then.put("type", "object");
        then.put(
            "description",
            "An Envoy v3 "
                + message.getFullName()
                + " in proto3 JSON; checked by the server against Envoy's own validation rules.");
      } else {
        then.put("$ref", "#/$defs/" + message.getFullName());
        define(message, defs);
      }
    }
    schema.set("$defs", defs);
    return schema;
  }

  private static void define(Descriptor message, ObjectNode defs) {
    if (defs.has(message.getFullName())) {
      return;
    }
    ObjectNode def = defs.putObject(message.getFullName());
    def.put("type", "object");
    def.put("additionalProperties", false);
    ObjectNode properties = def.putObject("properties");
    for (FieldDescriptor field : message.getFields()) {
      ObjectNode value = MAPPER.createObjectNode();
      if (field.isMapField()) {
        value.put("type", "object");
        value.set(
            "additionalProperties", type(field.getMessageType().findFieldByName("value"), defs));
      } else if (field.isRepeated()) {
        value.put("type", "array");
        value.set("items", type(field, defs));
      } else {
        value = type(field, defs);
      }
      properties.set(field.getName(), value);
    }
  }

  private static ObjectNode type(FieldDescriptor field, ObjectNode defs) {
    ObjectNode type = MAPPER.createObjectNode();
    switch (field.getJavaType()) {
      case INT, LONG -> {
        if (field.getJavaType() == FieldDescriptor.JavaType.LONG) {
          type.set("type", MAPPER.createArrayNode().add("integer").add("string"));
        } else {
          type.put("type", "integer");
        }
        boolean unsigned =
            switch (field.getType()) {
              case UINT32, UINT64, FIXED32, FIXED64 -> true;
              default -> false;
            };
        if (unsigned && field.getJavaType() == FieldDescriptor.JavaType.INT) {
          type.put("minimum", 0);
        }
      }
      case FLOAT, DOUBLE -> type.put("type", "number");
      case BOOLEAN -> type.put("type", "boolean");
      case STRING -> type.put("type", "string");
      case BYTE_STRING -> type.put("type", "string").put("contentEncoding", "base64");
      case ENUM -> {
        ArrayNode values = type.put("type", "string").putArray("enum");
        for (EnumValueDescriptor value : field.getEnumType().getValues()) {
          values.add(value.getName());
        }
      }
      case MESSAGE -> {
        Descriptor message = field.getMessageType();
        switch (message.getFullName()) {
          case "google.protobuf.Duration" ->
              type.put("type", "string")
                  .put("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$")
                  .put("description", "A duration in seconds with an s suffix, e.g. \"1.5s\".");
          case "google.protobuf.Timestamp" -> type.put("type", "string").put("format", "date-time");
          case "google.protobuf.UInt32Value", "google.protobuf.Int32Value" ->
              type.put("type", "integer");
          case "google.protobuf.UInt64Value", "google.protobuf.Int64Value" ->
              type.set("type", MAPPER.createArrayNode().add("integer").add("string"));
          case "google.protobuf.DoubleValue", "google.protobuf.FloatValue" ->
              type.put("type", "number");
          case "google.protobuf.BoolValue" -> type.put("type", "boolean");
          case "google.protobuf.StringValue" -> type.put("type", "string");
          case "google.protobuf.Struct" -> type.put("type", "object");
          case "google.protobuf.Value" -> {}
          case "google.protobuf.Any" ->
              type.put("type", "object").putArray("required").add("@type");
          default -> {
            type.put("$ref", "#/$defs/" + message.getFullName());
            define(message, defs);
          }
        }
      }
    }
    return type;
  }
}
