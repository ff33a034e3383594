package io.attache.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.attache.dataplane.config.SupportedTypes;

/**
 * Envoy's redaction of {@code /config_dump}: every field marked {@code
 * (udpa.annotations.sensitive)} (private keys, session ticket keys, HMAC secrets, ...) and
 * everything below it loses its value — strings and bytes become {@code [redacted]}, other scalars
 * are cleared — including inside an {@code Any} whose type the proxy knows. Map keys are kept.
 * Never changes the message it is given: it returns a redacted copy.
 */
final class Redaction {
  private static final String REDACTED = "[redacted]";

  private Redaction() {}

  static Message redacted(Message message) {
    return redacted(message, false);
  }

  private static Message redacted(Message message, boolean sensitiveAncestor) {
    if (message instanceof Any any) {
      return redactedAny(any, sensitiveAncestor);
    }
    if (message instanceof DynamicMessage && isAny(message.getDescriptorForType())) {
      try {
        return redactedAny(Any.parseFrom(message.toByteString()), sensitiveAncestor);
      } catch (InvalidProtocolBufferException e) {
        return message;
      }
    }
    Message.Builder b = message.toBuilder();
    for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
      boolean sensitive =
          sensitiveAncestor || f.getOptions().getExtension(udpa.annotations.Sensitive.sensitive);
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (f.isRepeated()) {
          for (int i = 0; i < b.getRepeatedFieldCount(f); i++) {
            Message element = (Message) b.getRepeatedField(f, i);
            b.setRepeatedField(
                f,
                i,
                f.isMapField()
                    ? redactedMapEntry(element, sensitive)
                    : redacted(element, sensitive));
          }
        } else if (b.hasField(f)) {
          b.setField(f, redacted((Message) b.getField(f), sensitive));
        }
      } else if (sensitive) {
        redactScalar(b, f);
      }
    }
    return b.build();
  }

  /** A map's value is redacted, never its key: several "[redacted]" keys would collide. */
  private static Message redactedMapEntry(Message entry, boolean sensitive) {
    FieldDescriptor value = entry.getDescriptorForType().findFieldByName("value");
    Message.Builder b = entry.toBuilder();
    if (value.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      if (b.hasField(value)) {
        b.setField(value, redacted((Message) b.getField(value), sensitive));
      }
    } else if (sensitive) {
      redactScalar(b, value);
    }
    return b.build();
  }

  private static void redactScalar(Message.Builder b, FieldDescriptor f) {
    boolean text =
        f.getJavaType() == FieldDescriptor.JavaType.STRING
            || f.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING;
    if (!text) {
      b.clearField(f);
      return;
    }
    Object replacement =
        f.getJavaType() == FieldDescriptor.JavaType.STRING
            ? REDACTED
            : ByteString.copyFromUtf8(REDACTED);
    if (f.isRepeated()) {
      for (int i = 0; i < b.getRepeatedFieldCount(f); i++) {
        b.setRepeatedField(f, i, replacement);
      }
    } else if (b.hasField(f)) {
      b.setField(f, replacement);
    }
  }

  /** Unpacks a known type, redacts it and packs it again; an unknown type is left as it is. */
  private static Message redactedAny(Any any, boolean sensitive) {
    Descriptor type = SupportedTypes.find(any.getTypeUrl());
    if (type == null || any.getValue().isEmpty()) {
      return any;
    }
    try {
      Message inner = redacted(DynamicMessage.parseFrom(type, any.getValue()), sensitive);
      return any.toBuilder().setValue(inner.toByteString()).build();
    } catch (InvalidProtocolBufferException e) {
      return any;
    }
  }

  private static boolean isAny(Descriptor d) {
    return d.getFullName().equals("google.protobuf.Any");
  }
}
