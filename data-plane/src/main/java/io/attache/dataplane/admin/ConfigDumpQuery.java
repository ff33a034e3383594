package io.attache.dataplane.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.FieldMaskUtil;
import io.attache.dataplane.config.SupportedTypes;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Envoy's {@code /config_dump} query: {@code ?resource=} (one repeated field of the top-level
 * dumps, each element its own config), {@code ?mask=} (a field mask applied to each top-level dump,
 * or to each resource with {@code resource}), {@code ?name_regex=} (only resources whose name
 * matches) and {@code ?include_eds} (the endpoints dump, left out otherwise). Works on redacted
 * copies only and never changes what the sources hold.
 */
final class ConfigDumpQuery {
  private final Optional<String> resource;
  private final Optional<FieldMask> mask;
  private final Optional<Pattern> nameRegex;
  private final boolean includeEds;

  private ConfigDumpQuery(
      Optional<String> resource,
      Optional<FieldMask> mask,
      Optional<Pattern> nameRegex,
      boolean includeEds) {
    this.resource = resource;
    this.mask = mask;
    this.nameRegex = nameRegex;
    this.includeEds = includeEds;
  }

  /** A query that is not Envoy's (a bad regular expression) is refused with a message. */
  static ConfigDumpQuery parse(Map<String, List<String>> params) {
    Optional<String> resource = first(params, "resource").filter(r -> !r.isEmpty());
    Optional<FieldMask> mask =
        first(params, "mask").filter(m -> !m.isEmpty()).map(FieldMaskUtil::fromString);
    Optional<Pattern> regex;
    try {
      regex = first(params, "name_regex").filter(r -> !r.isEmpty()).map(Pattern::compile);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("invalid name_regex: " + e.getDescription());
    }
    return new ConfigDumpQuery(resource, mask, regex, params.containsKey("include_eds"));
  }

  private static Optional<String> first(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * The configs to print, each to be packed in an {@code Any}; empty when {@code resource} names no
   * repeated field of any dump (Envoy answers 404 then).
   */
  Optional<List<Message>> select(List<Message> dumps) {
    List<Message> kept = new ArrayList<>();
    for (Message dump : dumps) {
      if (dump instanceof EndpointsConfigDump && !includeEds) {
        continue;
      }
      kept.add(nameRegex.isPresent() ? filtered(dump) : dump);
    }
    if (resource.isEmpty()) {
      return Optional.of(kept.stream().map(this::masked).toList());
    }
    boolean found = false;
    List<Message> resources = new ArrayList<>();
    for (Message dump : kept) {
      FieldDescriptor field = dump.getDescriptorForType().findFieldByName(resource.get());
      if (field == null
          || !field.isRepeated()
          || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      found = true;
      for (int i = 0; i < dump.getRepeatedFieldCount(field); i++) {
        resources.add(masked((Message) dump.getRepeatedField(field, i)));
      }
    }
    return found ? Optional.of(resources) : Optional.empty();
  }

  private Message masked(Message message) {
    if (mask.isEmpty()) {
      return message;
    }
    Descriptor type = message.getDescriptorForType();
    FieldMask.Builder valid = FieldMask.newBuilder();
    for (String path : mask.get().getPathsList()) {
      if (FieldMaskUtil.isValid(type, path)) {
        valid.addPaths(path);
      }
    }
    Message.Builder trimmed = message.newBuilderForType();
    FieldMaskUtil.merge(valid.build(), message, trimmed);
    return trimmed.build();
  }

  /** The dump with only the resources whose name matches {@code name_regex}. */
  private Message filtered(Message dump) {
    Message.Builder b = dump.toBuilder();
    for (FieldDescriptor f : dump.getDescriptorForType().getFields()) {
      if (!f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      List<Object> matching = new ArrayList<>();
      for (int i = 0; i < dump.getRepeatedFieldCount(f); i++) {
        Message element = (Message) dump.getRepeatedField(f, i);
        if (resourceName(element).map(n -> nameRegex.get().matcher(n).matches()).orElse(true)) {
          matching.add(element);
        }
      }
      b.setField(f, matching);
    }
    return b.build();
  }

  /**
   * A dump element's resource name: its own {@code name}, else that of the resource it wraps in an
   * {@code Any} ({@code cluster}, {@code listener}, {@code route_config}, {@code endpoint_config},
   * {@code secret}), a {@code ClusterLoadAssignment}'s being {@code cluster_name}.
   */
  private static Optional<String> resourceName(Message element) {
    Optional<String> own = stringField(element, "name");
    if (own.isPresent()) {
      return own;
    }
    for (FieldDescriptor f : element.getDescriptorForType().getFields()) {
      if (f.isRepeated()
          || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || !element.hasField(f)) {
        continue;
      }
      Message value = (Message) element.getField(f);
      if (value instanceof Any any) {
        Descriptor type = SupportedTypes.find(any.getTypeUrl());
        if (type == null) {
          continue;
        }
        try {
          value = DynamicMessage.parseFrom(type, any.getValue());
        } catch (InvalidProtocolBufferException e) {
          continue;
        }
      }
      Message wrapped = value;
      Optional<String> name =
          stringField(wrapped, "name").or(() -> stringField(wrapped, "cluster_name"));
      if (name.isPresent()) {
        return name;
      }
    }
    return Optional.empty();
  }

  private static Optional<String> stringField(Message message, String name) {
    FieldDescriptor f = message.getDescriptorForType().findFieldByName(name);
    if (f == null || f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.STRING) {
      return Optional.empty();
    }
    return Optional.of((String) message.getField(f));
  }
}
