package io.attache.dataplane.tracing;

import io.attache.dataplane.config.ConfigException;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One HCM {@code tracing.custom_tags} entry ({@code type.tracing.v3.CustomTag}): a literal, an
 * environment variable (read once, when the config is loaded, as Envoy does) or a request header,
 * each with its {@code default_value}. An absent value with an empty default adds no tag.
 * Immutable.
 */
public sealed interface CustomTag {
  String tag();

  /** The value for this request, if the tag applies. */
  Optional<String> valueFor(HttpHeaders requestHeaders);

  /** A fixed value. */
  record Literal(String tag, String value) implements CustomTag {
    @Override
    public Optional<String> valueFor(HttpHeaders requestHeaders) {
      return Optional.of(value);
    }
  }

  /** An environment variable's value (or the default), resolved at config time. */
  record Environment(String tag, Optional<String> value) implements CustomTag {
    @Override
    public Optional<String> valueFor(HttpHeaders requestHeaders) {
      return value;
    }
  }

  /** The first value of a request header (or the default). */
  record RequestHeader(String tag, String headerName, String defaultValue) implements CustomTag {
    @Override
    public Optional<String> valueFor(HttpHeaders requestHeaders) {
      String value = requestHeaders.get(headerName);
      if (value != null) {
        return Optional.of(value);
      }
      return defaultValue.isEmpty() ? Optional.empty() : Optional.of(defaultValue);
    }
  }

  static CustomTag from(
      io.envoyproxy.envoy.type.tracing.v3.CustomTag proto,
      String fieldPath,
      UnaryOperator<String> environment)
      throws ConfigException {
    String tag = proto.getTag();
    if (tag.isEmpty()) {
      throw new ConfigException(fieldPath + ".tag", "must not be empty");
    }
    switch (proto.getTypeCase()) {
      case LITERAL:
        if (proto.getLiteral().getValue().isEmpty()) {
          throw new ConfigException(fieldPath + ".literal.value", "must not be empty");
        }
        return new Literal(tag, proto.getLiteral().getValue());
      case ENVIRONMENT:
        String name = proto.getEnvironment().getName();
        if (name.isEmpty()) {
          throw new ConfigException(fieldPath + ".environment.name", "must not be empty");
        }
        String env = environment.apply(name);
        String fallback = proto.getEnvironment().getDefaultValue();
        return new Environment(
            tag,
            env != null
                ? Optional.of(env)
                : fallback.isEmpty() ? Optional.empty() : Optional.of(fallback));
      case REQUEST_HEADER:
        String header = proto.getRequestHeader().getName();
        if (header.isEmpty()) {
          throw new ConfigException(fieldPath + ".request_header.name", "must not be empty");
        }
        return new RequestHeader(
            tag, header.toLowerCase(Locale.ROOT), proto.getRequestHeader().getDefaultValue());
      case METADATA:
        throw new ConfigException(
            fieldPath + ".metadata", "metadata custom tags are not supported");
      default:
        throw new ConfigException(
            fieldPath, "one of literal, environment, request_header is required");
    }
  }
}
