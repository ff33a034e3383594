package io.attache.dataplane.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the ADS client does with fields of a resource that its protos do not know (a newer control
 * plane's fields), as Envoy's flags decide: warn and count {@code server.dynamic_unknown_fields}
 * (the default), refuse the resource ({@code --reject-unknown-dynamic-fields}), or say nothing
 * ({@code --ignore-unknown-dynamic-fields}).
 */
public enum UnknownDynamicFields {
  WARN,
  REJECT,
  IGNORE;

  /**
   * The path of the first field with unknown content in {@code resource}, under {@code path}. Walks
   * a {@link DynamicMessage} copy, so generated classes are not reflected on (see
   * docs/data-plane.md, "JVM settings").
   */
  static Optional<String> firstUnknown(Message resource, String path) {
    try {
      return firstUnknown(
          DynamicMessage.parseFrom(resource.getDescriptorForType(), resource.toByteString()), path);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty(); // it parsed once already; a second parse cannot fail differently
    }
  }

  private static Optional<String> firstUnknown(DynamicMessage message, String path) {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      int number = message.getUnknownFields().asMap().keySet().iterator().next();
      return Optional.of(path + ".<unknown field " + number + ">");
    }
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      String fieldPath = path + "." + field.getName();
      if (field.isRepeated()) {
        List<?> values = (List<?>) e.getValue();
        for (int i = 0; i < values.size(); i++) {
          Optional<String> found =
              firstUnknown((DynamicMessage) values.get(i), fieldPath + "[" + i + "]");
          if (found.isPresent()) {
            return found;
          }
        }
      } else {
        Optional<String> found = firstUnknown((DynamicMessage) e.getValue(), fieldPath);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }
}
