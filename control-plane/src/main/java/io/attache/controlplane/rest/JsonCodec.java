package io.attache.controlplane.rest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.attache.controlplane.policy.PolicyRejection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * proto3 JSON mapping both ways. Parsing is strict: an unknown field is an error naming the field.
 * Printing uses the proto (snake_case) field names, as Envoy's own config dumps do; parsing accepts
 * both spellings, as proto3 JSON requires. Thread-safe.
 */
final class JsonCodec {

  private static final Pattern UNKNOWN_FIELD = Pattern.compile("Cannot find field: (\\S+)");

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
      String field = unknown.find() ? unknown.group(1) : "";
      throw new PolicyRejection(PolicyRejection.Reason.INVALID, field, message);
    }
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
