package io.attache.dataplane.config;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Attaché does with each Envoy field: honours it, ignores it (and says so at start-up), or
 * rejects the config. It is the single source of {@code docs/xds-support.md}, so the docs and the
 * behaviour cannot drift. It never changes a config; it only reports on one.
 */
public final class FieldSupport {

  /** How a field is treated. */
  public enum Status {
    HONOURED,
    IGNORED,
    REJECTED
  }

  /** The treatment of one field, with a note for the docs and the start-up report. */
  public record Treatment(Status status, String note) {}

  /** One reported field of a concrete config: a warning (ignored) or an error (rejected). */
  public record Finding(Status status, String path, String message) {
    @Override
    public String toString() {
      return path + ": " + message;
    }
  }

  private static final String ANY = "google.protobuf.Any";

  private final Map<String, Map<String, Treatment>> byMessage;

  private FieldSupport(Map<String, Map<String, Treatment>> byMessage) {
    this.byMessage = byMessage;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The message types this registry describes, in registration order. */
  public Map<String, Map<String, Treatment>> messages() {
    return Collections.unmodifiableMap(byMessage);
  }

  /**
   * Reports every set field of {@code message} that is not honoured. Honoured message fields are
   * walked recursively; {@code Any} values are unpacked through {@link SupportedTypes}.
   */
  public List<Finding> check(Message message, String path) {
    List<Finding> findings = new ArrayList<>();
    walk(dynamicCopy(message), path, findings);
    return findings;
  }

  /**
   * The walk reads fields through descriptors only. {@code getAllFields()} on a generated message
   * goes through protobuf's reflection, which loads every class named in the signatures of every
   * message type it meets — megabytes of class metadata kept for the life of the process.
   */
  private static Message dynamicCopy(Message message) {
    if (message instanceof DynamicMessage) {
      return message;
    }
    try {
      return DynamicMessage.parseFrom(message.getDescriptorForType(), message.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a message's own bytes did not parse", e);
    }
  }

  private void walk(Message message, String path, List<Finding> out) {
    if (message.getDescriptorForType().getFullName().equals(ANY)) {
      Message unpacked = unpack(message);
      if (unpacked != null) {
        walk(unpacked, path, out);
      }
      return;
    }
    String typeName = message.getDescriptorForType().getFullName();
    if (typeName.startsWith("google.protobuf.")) {
      return; // durations, wrappers, structs: a value, not a config message with fields of its own
    }
    Map<String, Treatment> fields = byMessage.get(typeName);
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String fieldPath = path.isEmpty() ? field.getName() : path + "." + field.getName();
      Treatment treatment = fields == null ? null : fields.get(field.getName());
      if (treatment == null) {
        out.add(
            new Finding(
                Status.IGNORED,
                fieldPath,
                "not supported by Attaché; ignored (see docs/xds-support.md)"));
        continue;
      }
      switch (treatment.status()) {
        case IGNORED ->
            out.add(new Finding(Status.IGNORED, fieldPath, "ignored: " + treatment.note()));
        case REJECTED ->
            out.add(new Finding(Status.REJECTED, fieldPath, "not supported: " + treatment.note()));
        case HONOURED -> walkValue(field, e.getValue(), fieldPath, out);
      }
    }
  }

  private void walkValue(FieldDescriptor field, Object value, String path, List<Finding> out) {
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return;
    }
    if (field.isMapField()) {
      for (Object entry : (List<?>) value) {
        Message m = (Message) entry;
        Object key = m.getField(m.getDescriptorForType().findFieldByName("key"));
        Object v = m.getField(m.getDescriptorForType().findFieldByName("value"));
        if (v instanceof Message vm) {
          walk(vm, path + "[\"" + key + "\"]", out);
        }
      }
    } else if (field.isRepeated()) {
      List<?> list = (List<?>) value;
      for (int i = 0; i < list.size(); i++) {
        walk((Message) list.get(i), path + "[" + i + "]", out);
      }
    } else {
      walk((Message) value, path, out);
    }
  }

  /** Unpacks a {@code google.protobuf.Any}, generated or dynamic, through its descriptor. */
  private static Message unpack(Message any) {
    Descriptor anyType = any.getDescriptorForType();
    String typeUrl = (String) any.getField(anyType.findFieldByName("type_url"));
    Descriptor type = SupportedTypes.find(typeUrl);
    if (type == null) {
      return null;
    }
    try {
      return DynamicMessage.parseFrom(
          type, (ByteString) any.getField(anyType.findFieldByName("value")));
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  /** Builds a registry message by message, field by field. */
  public static final class Builder {
    private final Map<String, Map<String, Treatment>> byMessage = new LinkedHashMap<>();
    private Map<String, Treatment> current;
    private Descriptor currentType;

    /** Starts the field list of one message type. */
    public Builder message(Descriptor type) {
      currentType = type;
      current = byMessage.computeIfAbsent(type.getFullName(), k -> new LinkedHashMap<>());
      return this;
    }

    public Builder honoured(String... fields) {
      for (String f : fields) {
        put(f, Status.HONOURED, "");
      }
      return this;
    }

    /** A honoured field with a note on how (defaults, limits). */
    public Builder honouredNote(String field, String note) {
      return put(field, Status.HONOURED, note);
    }

    public Builder ignored(String field, String why) {
      return put(field, Status.IGNORED, why);
    }

    public Builder rejected(String field, String why) {
      return put(field, Status.REJECTED, why);
    }

    /** Marks every field of the current message not yet listed with the given status. */
    public Builder rest(Status status, String why) {
      for (FieldDescriptor f : currentType.getFields()) {
        current.putIfAbsent(f.getName(), new Treatment(status, why));
      }
      return this;
    }

    private Builder put(String field, Status status, String note) {
      if (currentType.findFieldByName(field) == null) {
        throw new IllegalArgumentException(currentType.getFullName() + " has no field " + field);
      }
      current.put(field, new Treatment(status, note));
      return this;
    }

    public FieldSupport build() {
      return new FieldSupport(byMessage);
    }
  }
}
