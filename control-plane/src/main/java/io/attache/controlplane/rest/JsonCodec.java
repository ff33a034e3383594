package io.attache.controlplane.rest;

import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.attache.controlplane.policy.PolicyRejection;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * proto3 JSON mapping both ways. Parsing is strict: an unknown field is an error naming the field.
 * Printing uses the proto (snake_case) field names, as Envoy's own config dumps do; parsing accepts
 * both spellings, as proto3 JSON requires. Thread-safe.
 */
final class JsonCodec {

  private static final Pattern UNKNOWN_FIELD = Pattern.compile("Cannot find field: (\\S+)");
  private static final Pattern BAD_ENUM = Pattern.compile("for enum type: (\\S+)");

  private final JsonFormat.Parser parser;
  private final JsonFormat.Printer printer;

  JsonCodec(TypeRegistry types) {
    this.parser = JsonFormat.parser().usingTypeRegistry(types);
    this.printer = JsonFormat.printer().usingTypeRegistry(types).preservingProtoFieldNames();
  }

  Message parse(String json, Message prototype) throws PolicyRejection {
    Message.Builder builder = prototype.newBuilderForType();
    try {
      parser.merge(json, builder);
      return builder.build();
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      Matcher unknown = UNKNOWN_FIELD.matcher(message);
      Matcher badEnum = BAD_ENUM.matcher(message);
      String field =
          unknown.find()
              ? unknown.group(1)
              : badEnum.find() ? enumField(prototype.getDescriptorForType(), badEnum.group(1)) : "";
      throw new PolicyRejection(PolicyRejection.Reason.INVALID, field, message);
    }
  }

  /**
   * The protobuf parser names the enum type but not the field; the nearest field of that type is
   * almost always the one (repeated elements are not indexed, since the parser does not say which).
   */
  private static String enumField(Descriptors.Descriptor root, String enumType) {
    Deque<Map.Entry<String, Descriptors.Descriptor>> queue = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    queue.add(Map.entry("", root));
    while (!queue.isEmpty()) {
      var next = queue.poll();
      if (!seen.add(next.getValue().getFullName())) {
        continue;
      }
      for (Descriptors.FieldDescriptor field : next.getValue().getFields()) {
        String path =
            next.getKey().isEmpty() ? field.getName() : next.getKey() + "." + field.getName();
        if (field.getType() == Descriptors.FieldDescriptor.Type.ENUM
            && field.getEnumType().getFullName().equals(enumType)) {
          return path;
        }
        if (field.getType() == Descriptors.FieldDescriptor.Type.MESSAGE) {
          queue.add(Map.entry(path, field.getMessageType()));
        }
      }
    }
    return "";
  }

  String print(Message message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }
}
