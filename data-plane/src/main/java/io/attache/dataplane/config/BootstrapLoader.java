package io.attache.dataplane.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.internal.bind.TypeAdapters;
import com.google.gson.stream.JsonReader;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an Envoy v3 bootstrap (YAML or JSON) into the {@link Bootstrap} proto. Before handing the
 * document to {@link JsonFormat} it walks it against the proto descriptors, so an unknown field or
 * an unsupported {@code typed_config} is reported with its full path rather than JsonFormat's bare
 * field name. It only parses: semantic checks belong to the per-resource parsers.
 *
 * <p>JsonFormat fills a {@link DynamicMessage} and the generated builder then parses the bytes:
 * JsonFormat on a generated builder goes through protobuf's reflection, which loads every class
 * named in the signatures of every message it touches (and generates accessor classes) — several MB
 * of class metadata that a running proxy never uses again. For the same reason the tree is Gson's
 * (which JsonFormat loads anyway) and YAML is read by {@link YamlTreeReader} on SnakeYAML alone,
 * not by Jackson.
 */
public final class BootstrapLoader {
  /** Types whose proto3 JSON form is not an object of their fields; their content is not walked. */
  private static final Set<String> OPAQUE_JSON_TYPES =
      Set.of(
          "google.protobuf.Duration",
          "google.protobuf.Timestamp",
          "google.protobuf.FieldMask",
          "google.protobuf.Struct",
          "google.protobuf.Value",
          "google.protobuf.ListValue",
          "google.protobuf.Empty",
          "google.protobuf.BoolValue",
          "google.protobuf.BytesValue",
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int32Value",
          "google.protobuf.Int64Value",
          "google.protobuf.StringValue",
          "google.protobuf.UInt32Value",
          "google.protobuf.UInt64Value");

  private BootstrapLoader() {}

  /**
   * What to do with a field the descriptors do not know. Envoy refuses it unless started with
   * {@code --allow-unknown-static-fields}, which drops it with a warning.
   */
  @FunctionalInterface
  public interface UnknownFields {
    /** Refuses the config, naming the field: Envoy's default. */
    UnknownFields REJECT =
        path -> {
          throw new ConfigException(path, "unknown field");
        };

    /** Called with the field's path; returns to drop the field, throws to refuse the config. */
    void found(String path) throws ConfigException;
  }

  /** Loads a bootstrap file; {@code .json} is read as JSON, anything else as YAML (a superset). */
  public static Bootstrap load(Path file) throws ConfigException {
    return load(file, UnknownFields.REJECT);
  }

  /** Loads a bootstrap file, handling unknown fields as {@code unknown} says. */
  public static Bootstrap load(Path file, UnknownFields unknown) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(
          "", "cannot read bootstrap file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.getFileName().toString().endsWith(".json"), unknown);
  }

  /** Parses bootstrap text; {@code json} selects the JSON reader, otherwise YAML. */
  public static Bootstrap parse(String text, boolean json) throws ConfigException {
    return parse(text, json, UnknownFields.REJECT);
  }

  /** Parses bootstrap text, handling unknown fields as {@code unknown} says. */
  public static Bootstrap parse(String text, boolean json, UnknownFields unknown)
      throws ConfigException {
    JsonElement root = json ? readJson(text) : YamlTreeReader.read(text);
    if (root.isJsonNull()) {
      throw new ConfigException("", "bootstrap is empty");
    }
    return parseTree(root, Bootstrap.newBuilder(), unknown).build();
  }

  /**
   * Parses one message of {@code builder}'s type from YAML (or JSON, a subset), checked as a
   * bootstrap is; for tests and tools that hold a single resource's YAML.
   */
  public static <B extends com.google.protobuf.Message.Builder> B parseYaml(String yaml, B builder)
      throws ConfigException {
    return parseTree(YamlTreeReader.read(yaml), builder);
  }

  /**
   * Parses a JSON tree into {@code builder} after checking every key against the descriptors.
   * Shared by every place that reads Envoy JSON (bootstrap files, tests, raw resources).
   */
  public static <B extends com.google.protobuf.Message.Builder> B parseTree(
      JsonElement root, B builder) throws ConfigException {
    return parseTree(root, builder, UnknownFields.REJECT);
  }

  private static <B extends com.google.protobuf.Message.Builder> B parseTree(
      JsonElement root, B builder, UnknownFields unknown) throws ConfigException {
    Set<Descriptor> packedTypes = new LinkedHashSet<>();
    checkFields(root, builder.getDescriptorForType(), "", packedTypes, unknown);
    DynamicMessage.Builder parsed = DynamicMessage.newBuilder(builder.getDescriptorForType());
    try {
      JsonFormat.parser()
          .usingTypeRegistry(SupportedTypes.registryOf(packedTypes))
          .merge(root.toString(), parsed);
    } catch (IOException e) {
      throw new ConfigException("", "invalid value: " + rootCauseMessage(e));
    }
    try {
      builder.mergeFrom(parsed.build().toByteString());
    } catch (IOException e) {
      throw new ConfigException("", "invalid value: " + rootCauseMessage(e));
    }
    return builder;
  }

  /**
   * Strict RFC 8259 JSON (no comments, single quotes or trailing commas), as the Jackson reader
   * this replaced was. Gson's public {@code JsonParser} always switches the reader to lenient mode,
   * hence its element adapter; like Jackson, text after the first value is ignored.
   */
  private static JsonElement readJson(String text) throws ConfigException {
    if (text.isBlank()) {
      return com.google.gson.JsonNull.INSTANCE;
    }
    JsonReader reader = new JsonReader(new StringReader(text));
    reader.setLenient(false);
    try {
      return TypeAdapters.JSON_ELEMENT.read(reader);
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new ConfigException("", "malformed JSON: " + e.getMessage());
    }
  }

  /** Checks every key against {@code type}; adds each {@code @type} it meets to {@code packed}. */
  private static void checkFields(
      JsonElement node, Descriptor type, String path, Set<Descriptor> packed, UnknownFields unknown)
      throws ConfigException {
    String fullName = type.getFullName();
    if (OPAQUE_JSON_TYPES.contains(fullName) || node.isJsonNull()) {
      return;
    }
    if (!node.isJsonObject()) {
      throw new ConfigException(path, "expected an object of type " + fullName);
    }
    if (fullName.equals("google.protobuf.Any")) {
      checkAny(node.getAsJsonObject(), path, packed, unknown);
      return;
    }
    List<String> dropped = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : node.getAsJsonObject().entrySet()) {
      FieldDescriptor field = findField(type, entry.getKey());
      String fieldPath = join(path, entry.getKey());
      if (field == null) {
        if (unknown == UnknownFields.REJECT) {
          throw new ConfigException(fieldPath, "unknown field (not in " + fullName + ")");
        }
        unknown.found(fieldPath);
        dropped.add(entry.getKey());
        continue;
      }
      fieldPath = join(path, field.getName());
      JsonElement value = YamlLeniency.normalize(entry.getValue(), field);
      if (value != entry.getValue()) {
        entry.setValue(value);
      }
      checkValue(value, field, fieldPath, packed, unknown);
    }
    dropped.forEach(node.getAsJsonObject()::remove);
  }

  private static void checkValue(
      JsonElement value,
      FieldDescriptor field,
      String path,
      Set<Descriptor> packed,
      UnknownFields unknown)
      throws ConfigException {
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || value.isJsonNull()) {
      return;
    }
    if (field.isMapField()) {
      if (!value.isJsonObject()) {
        throw new ConfigException(path, "expected a map");
      }
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
        checkValue(e.getValue(), valueField, path + "[\"" + e.getKey() + "\"]", packed, unknown);
      }
      return;
    }
    if (field.isRepeated()) {
      if (!value.isJsonArray()) {
        throw new ConfigException(path, "expected a list");
      }
      for (int i = 0; i < value.getAsJsonArray().size(); i++) {
        checkFields(
            value.getAsJsonArray().get(i),
            field.getMessageType(),
            path + "[" + i + "]",
            packed,
            unknown);
      }
      return;
    }
    checkFields(value, field.getMessageType(), path, packed, unknown);
  }

  private static void checkAny(
      JsonObject node, String path, Set<Descriptor> packed, UnknownFields unknown)
      throws ConfigException {
    JsonElement typeUrl = node.get("@type");
    if (typeUrl == null || !typeUrl.isJsonPrimitive() || !typeUrl.getAsJsonPrimitive().isString()) {
      throw new ConfigException(path, "typed_config needs an \"@type\"");
    }
    if (TypedStructs.TYPE_URLS.contains(typeUrl.getAsString())) {
      unwrapTypedStruct(node, path);
      typeUrl = node.get("@type");
    }
    Descriptor packedType = SupportedTypes.find(typeUrl.getAsString());
    if (packedType == null) {
      throw new ConfigException(
          path,
          "unsupported extension type " + typeUrl.getAsString() + " (not supported by Attaché)");
    }
    packed.add(packedType);
    if (OPAQUE_JSON_TYPES.contains(packedType.getFullName())) {
      return;
    }
    List<String> dropped = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : node.entrySet()) {
      if (entry.getKey().equals("@type")) {
        continue;
      }
      FieldDescriptor field = findField(packedType, entry.getKey());
      if (field == null) {
        if (unknown == UnknownFields.REJECT) {
          throw new ConfigException(
              join(path, entry.getKey()),
              "unknown field (not in " + packedType.getFullName() + ")");
        }
        unknown.found(join(path, entry.getKey()));
        dropped.add(entry.getKey());
        continue;
      }
      JsonElement value = YamlLeniency.normalize(entry.getValue(), field);
      if (value != entry.getValue()) {
        entry.setValue(value);
      }
      checkValue(value, field, join(path, field.getName()), packed, unknown);
    }
    dropped.forEach(node::remove);
  }

  /**
   * Rewrites {@code {"@type": TypedStruct, type_url: T, value: {...}}} in place into {@code
   * {"@type": T, ...}}, which is what Envoy does before handing the config to the extension.
   */
  private static void unwrapTypedStruct(JsonObject node, String path) throws ConfigException {
    JsonElement inner = node.get("type_url");
    if (inner == null || !inner.isJsonPrimitive() || inner.getAsString().isEmpty()) {
      throw new ConfigException(join(path, "type_url"), "a TypedStruct needs a type_url");
    }
    JsonElement value = node.get("value");
    if (value != null && !value.isJsonNull() && !value.isJsonObject()) {
      throw new ConfigException(join(path, "value"), "expected an object");
    }
    for (String key : Set.copyOf(node.keySet())) {
      node.remove(key);
    }
    node.addProperty("@type", inner.getAsString());
    if (value != null && value.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
        node.add(e.getKey(), e.getValue());
      }
    }
  }

  private static FieldDescriptor findField(Descriptor type, String key) {
    FieldDescriptor field = type.findFieldByName(key);
    if (field != null) {
      return field;
    }
    for (FieldDescriptor candidate : type.getFields()) {
      if (candidate.getJsonName().equals(key)) {
        return candidate;
      }
    }
    return null;
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String rootCauseMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }
}
