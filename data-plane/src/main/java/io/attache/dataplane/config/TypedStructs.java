package io.attache.dataplane.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unwraps {@code udpa.type.v1.TypedStruct} and {@code xds.type.v3.TypedStruct} in a decoded
 * resource (one that came over xDS as protobuf bytes): every {@code Any} carrying a TypedStruct, at
 * any depth, becomes the {@code Any} of the message its {@code type_url} names, converted from the
 * struct with the proto3 JSON rules Envoy uses — so every reader of a typed config sees the real
 * type. A type Attaché does not know, or a struct that is not a valid such message, is refused with
 * the field path. Bootstraps are unwrapped in their JSON form by {@link BootstrapLoader}.
 *
 * <p>Never changes a resource that holds no TypedStruct (it is returned as given), and never
 * reflects on generated classes (the walk is on {@link DynamicMessage}s, see docs/data-plane.md,
 * "JVM settings").
 */
public final class TypedStructs {
  /** Envoy's two spellings of a config given as a typed Struct (the same wire shape). */
  static final Set<String> TYPE_URLS =
      Set.of(
          "type.googleapis.com/udpa.type.v1.TypedStruct",
          "type.googleapis.com/xds.type.v3.TypedStruct");

  private static final String ANY = "google.protobuf.Any";
  private static final byte[] MARKER = "TypedStruct".getBytes(StandardCharsets.US_ASCII);

  private TypedStructs() {}

  /**
   * {@code resource} with every TypedStruct unwrapped, or {@code resource} itself when it holds
   * none.
   *
   * @param path the resource's field path, prefixed to the path of a refused field
   * @throws ConfigException naming the TypedStruct whose type is unknown or whose value does not
   *     fit
   */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T unwrap(T resource, String path) throws ConfigException {
    ByteString bytes = resource.toByteString();
    // A nested Any is serialised in place, so its type URL is in the bytes: the common case (no
    // TypedStruct anywhere) costs one scan and no walk.
    if (!contains(bytes, MARKER)) {
      return resource;
    }
    try {
      Message rewritten =
          rewrite(DynamicMessage.parseFrom(resource.getDescriptorForType(), bytes), path);
      return (T) resource.getParserForType().parseFrom(rewritten.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "cannot be decoded: " + e.getMessage());
    }
  }

  private static Message rewrite(Message message, String path) throws ConfigException {
    Descriptor type = message.getDescriptorForType();
    if (type.getFullName().equals(ANY)) {
      return rewriteAny(message, path);
    }
    if (type.getFullName().startsWith("google.protobuf.")) {
      return message;
    }
    DynamicMessage.Builder changed = null;
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String fieldPath = path.isEmpty() ? field.getName() : path + "." + field.getName();
      Object value = e.getValue();
      Object rewritten;
      if (field.isMapField()) {
        rewritten = rewriteMap((List<?>) value, fieldPath);
      } else if (field.isRepeated()) {
        rewritten = rewriteList((List<?>) value, fieldPath);
      } else {
        rewritten = rewrite((Message) value, fieldPath);
      }
      if (rewritten != value) {
        if (changed == null) {
          changed = DynamicMessage.newBuilder(type).mergeFrom(message);
        }
        changed.setField(field, rewritten);
      }
    }
    return changed == null ? message : changed.build();
  }

  private static Object rewriteList(List<?> values, String path) throws ConfigException {
    List<Object> out = null;
    for (int i = 0; i < values.size(); i++) {
      Message value = (Message) values.get(i);
      Message rewritten = rewrite(value, path + "[" + i + "]");
      if (rewritten != value && out == null) {
        out = new ArrayList<>(values);
      }
      if (out != null) {
        out.set(i, rewritten);
      }
    }
    return out == null ? values : out;
  }

  private static Object rewriteMap(List<?> entries, String path) throws ConfigException {
    List<Object> out = null;
    for (int i = 0; i < entries.size(); i++) {
      Message entry = (Message) entries.get(i);
      Descriptor entryType = entry.getDescriptorForType();
      FieldDescriptor valueField = entryType.findFieldByName("value");
      if (valueField.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        return entries;
      }
      Object key = entry.getField(entryType.findFieldByName("key"));
      Message value = (Message) entry.getField(valueField);
      Message rewritten = rewrite(value, path + "[\"" + key + "\"]");
      if (rewritten != value && out == null) {
        out = new ArrayList<>(entries);
      }
      if (out != null) {
        out.set(
            i,
            DynamicMessage.newBuilder(entryType)
                .mergeFrom(entry)
                .setField(valueField, rewritten)
                .build());
      }
    }
    return out == null ? entries : out;
  }

  private static Message rewriteAny(Message any, String path) throws ConfigException {
    Descriptor anyType = any.getDescriptorForType();
    FieldDescriptor typeUrlField = anyType.findFieldByName("type_url");
    FieldDescriptor valueField = anyType.findFieldByName("value");
    String typeUrl = (String) any.getField(typeUrlField);
    ByteString value = (ByteString) any.getField(valueField);
    if (TYPE_URLS.contains(typeUrl)) {
      Any unwrapped = fromStruct(value, path);
      return DynamicMessage.newBuilder(anyType)
          .setField(typeUrlField, unwrapped.getTypeUrl())
          .setField(valueField, unwrapped.getValue())
          .build();
    }
    Descriptor packed = SupportedTypes.find(typeUrl);
    if (packed == null || !contains(value, MARKER)) {
      return any; // an unknown type is refused by whoever reads it, with its own reason
    }
    Message inner;
    try {
      inner = DynamicMessage.parseFrom(packed, value);
    } catch (InvalidProtocolBufferException e) {
      return any; // refused by its reader, which decodes it again
    }
    Message rewritten = rewrite(inner, path);
    if (rewritten == inner) {
      return any;
    }
    return DynamicMessage.newBuilder(anyType)
        .setField(typeUrlField, typeUrl)
        .setField(valueField, rewritten.toByteString())
        .build();
  }

  /**
   * The {@code Any} a TypedStruct stands for: its struct printed as proto3 JSON, given the {@code
   * "@type"} of its {@code type_url}, and read as {@link BootstrapLoader} reads a typed config
   * (which also unwraps TypedStructs nested in the struct).
   */
  private static Any fromStruct(ByteString typedStructBytes, String path) throws ConfigException {
    com.github.xds.type.v3.TypedStruct typedStruct;
    try {
      // udpa.type.v1.TypedStruct has the same two fields with the same numbers.
      typedStruct = com.github.xds.type.v3.TypedStruct.parseFrom(typedStructBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "a TypedStruct that cannot be decoded: " + e.getMessage());
    }
    if (typedStruct.getTypeUrl().isEmpty()) {
      throw new ConfigException(join(path, "type_url"), "a TypedStruct needs a type_url");
    }
    if (SupportedTypes.find(typedStruct.getTypeUrl()) == null) {
      throw new ConfigException(
          join(path, "type_url"),
          "unsupported extension type " + typedStruct.getTypeUrl() + " (not supported by Attaché)");
    }
    JsonObject json = new JsonObject();
    json.addProperty("@type", typedStruct.getTypeUrl());
    try {
      JsonElement fields =
          JsonParser.parseString(JsonFormat.printer().print(typedStruct.getValue()));
      for (Map.Entry<String, JsonElement> e : fields.getAsJsonObject().entrySet()) {
        json.add(e.getKey(), e.getValue());
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(join(path, "value"), "not a JSON object: " + e.getMessage());
    }
    DynamicMessage.Builder any = DynamicMessage.newBuilder(Any.getDescriptor());
    try {
      BootstrapLoader.parseTree(json, any);
    } catch (ConfigException e) {
      String inner = e.fieldPath();
      String reason =
          inner.isEmpty() ? e.getMessage() : e.getMessage().substring(inner.length() + 2);
      throw new ConfigException(join(join(path, "value"), inner), reason);
    }
    try {
      return Any.parseFrom(any.build().toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an Any's own bytes did not parse", e);
    }
  }

  private static boolean contains(ByteString bytes, byte[] needle) {
    int last = bytes.size() - needle.length;
    outer:
    for (int i = 0; i <= last; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes.byteAt(i + j) != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static String join(String path, String name) {
    if (name.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? name : path + "." + name;
  }
}
