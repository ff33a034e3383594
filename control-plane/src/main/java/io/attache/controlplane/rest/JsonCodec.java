package io.attache.controlplane.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.util.JsonFormat;
import io.attache.controlplane.policy.PolicyRejection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * proto3 JSON mapping both ways. Parsing is strict — RFC 8259 JSON in UTF-8 and nothing else: no
 * byte order mark, no invalid UTF-8, no comments, no duplicate keys, nothing after the value, an
 * object at the top, no unknown field and no enum number the enum does not define — and every
 * refusal names the field at fault in the body's own terms ({@code endpoints[0].port}) with a
 * message a person can act on, never a Java exception's text. Printing uses the proto (snake_case)
 * field names, as Envoy's own config dumps do; parsing accepts both spellings, as proto3 JSON
 * requires. Thread-safe.
 */
final class JsonCodec {

  /** Strict RFC 8259 reading: no comments or other leniencies, duplicate keys and trailers fail. */
  private static final ObjectMapper STRICT =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .disable(JsonReadFeature.ALLOW_YAML_COMMENTS)
          .build();

  private final JsonFormat.Parser parser;
  private final JsonFormat.Printer printer;
  private final JsonErrorLocator locator;

  JsonCodec(TypeRegistry types) {
    this.parser = JsonFormat.parser().usingTypeRegistry(types);
    this.printer = JsonFormat.printer().usingTypeRegistry(types).preservingProtoFieldNames();
    this.locator = new JsonErrorLocator(parser, types);
  }

  /**
   * The JSON text as a message of {@code prototype}'s type, or the refusal naming what is wrong.
   * The text is a request body already read as UTF-8 ({@link RequestBodies#text}), or JSON made
   * from one (YAML converted, a merge patch applied).
   */
  Message parse(String json, Message prototype) throws PolicyRejection {
    JsonNode tree = strictTree(json);
    if (tree == null || tree.isMissingNode()) {
      throw invalid("", "the body holds no JSON value; it must be a JSON object");
    }
    if (!tree.isObject()) {
      throw invalid("", "the body must be a JSON object, not " + JsonErrorLocator.kind(tree));
    }
    Message.Builder builder = prototype.newBuilderForType();
    try {
      parser.merge(json, builder);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      JsonErrorLocator.Fault fault =
          locator
              .locate(tree, prototype.getDescriptorForType())
              .orElse(new JsonErrorLocator.Fault("", "the body does not fit its resource type"));
      throw invalid(fault.field(), fault.message());
    }
    Message message = builder.build();
    rejectUnknownEnumNumbers(message, "");
    return message;
  }

  String print(Message message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }

  /**
   * The text as a JSON tree, read strictly: RFC 8259 only, no duplicate key, nothing after the
   * value. A refusal names where the reader stopped.
   */
  static JsonNode strictTree(String text) throws PolicyRejection {
    try {
      return STRICT.readTree(text);
    } catch (MismatchedInputException trailing) {
      // FAIL_ON_TRAILING_TOKENS: a second value after the first.
      throw invalid("", "malformed JSON: there is more after the JSON value");
    } catch (JsonProcessingException e) {
      String field = "";
      if (e.getProcessor() instanceof JsonParser parser) {
        field = path(parser.getParsingContext());
      }
      String where =
          e.getLocation() == null
              ? ""
              : " (line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr()
                  + ")";
      throw invalid(field, "malformed JSON: " + e.getOriginalMessage() + where);
    }
  }

  /** The parser's position as a field path: {@code endpoints[0].port}. */
  private static String path(JsonStreamContext context) {
    java.util.Deque<String> steps = new java.util.ArrayDeque<>();
    for (JsonStreamContext at = context; at != null && !at.inRoot(); at = at.getParent()) {
      if (at.inArray()) {
        steps.push("[" + Math.max(0, at.getCurrentIndex()) + "]");
      } else if (at.getCurrentName() != null) {
        steps.push(at.getCurrentName());
      }
    }
    StringBuilder path = new StringBuilder();
    for (String step : steps) {
      if (path.length() > 0 && !step.startsWith("[")) {
        path.append('.');
      }
      path.append(step);
    }
    return path.toString();
  }

  /**
   * proto3 enums are open: JSON may carry a number the enum does not define, and it would be kept
   * as such. No proxy would know what to make of it, so it is refused here, field by field.
   */
  private static void rejectUnknownEnumNumbers(Message message, String path)
      throws PolicyRejection {
    for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
      FieldDescriptor field = entry.getKey();
      String at = path.isEmpty() ? field.getName() : path + "." + field.getName();
      if (field.isRepeated() && !field.isMapField()) {
        List<?> values = (List<?>) entry.getValue();
        for (int i = 0; i < values.size(); i++) {
          check(field, values.get(i), at + "[" + i + "]");
        }
      } else if (field.isMapField()) {
        for (Object mapEntry : (List<?>) entry.getValue()) {
          Message pair = (Message) mapEntry;
          FieldDescriptor key = pair.getDescriptorForType().findFieldByName("key");
          FieldDescriptor value = pair.getDescriptorForType().findFieldByName("value");
          check(value, pair.getField(value), at + "[\"" + pair.getField(key) + "\"]");
        }
      } else {
        check(field, entry.getValue(), at);
      }
    }
  }

  private static void check(FieldDescriptor field, Object value, String at) throws PolicyRejection {
    if (value instanceof EnumValueDescriptor enumValue
        && field.getEnumType().findValueByNumber(enumValue.getNumber()) == null) {
      throw invalid(
          at,
          enumValue.getNumber()
              + " is not a "
              + field.getEnumType().getName()
              + "; use one of "
              + field.getEnumType().getValues().stream()
                  .map(v -> v.getName())
                  .collect(Collectors.joining(", ")));
    }
    if (value instanceof Message nested) {
      rejectUnknownEnumNumbers(nested, at);
    }
  }

  private static PolicyRejection invalid(String field, String message) {
    return new PolicyRejection(PolicyRejection.Reason.INVALID, field, message);
  }
}
