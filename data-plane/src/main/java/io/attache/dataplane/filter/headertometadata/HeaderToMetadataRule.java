package io.attache.dataplane.filter.headertometadata;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.Regex;
import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One header_to_metadata {@code Rule}: which header (or cookie) it reads, whether it removes the
 * header, and the key/value pairs written when the header is present or missing, with Envoy's
 * checks at load time and its conversions per request (regex rewrite, base64, STRING / NUMBER /
 * PROTOBUF_VALUE). A value that cannot be converted is skipped, never an error on the request.
 * Immutable.
 */
final class HeaderToMetadataRule {
  /** Envoy's {@code MAX_HEADER_VALUE_LEN}: longer values are not written. */
  static final int MAX_VALUE_LENGTH = 8 * 1024;

  /** The namespace when {@code metadata_namespace} is empty: the filter's name. */
  static final String DEFAULT_NAMESPACE = "envoy.filters.http.header_to_metadata";

  /** {@code absl::SimpleAtod}'s decimal and exponent forms (its inf and nan are not taken). */
  private static final Pattern NUMBER =
      Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  /** A {@code KeyValuePair} with its defaults applied. */
  record KeyValue(
      String namespace, String key, String value, Config.ValueType type, boolean base64) {}

  private final String header;
  private final String cookie;
  private final boolean remove;
  private final Optional<KeyValue> onPresent;
  private final Optional<KeyValue> onMissing;
  private final Regex rewrite;
  private final Regex.Substitution substitution;

  private HeaderToMetadataRule(
      String header,
      String cookie,
      boolean remove,
      Optional<KeyValue> onPresent,
      Optional<KeyValue> onMissing,
      Regex rewrite,
      Regex.Substitution substitution) {
    this.header = header;
    this.cookie = cookie;
    this.remove = remove;
    this.onPresent = onPresent;
    this.onMissing = onMissing;
    this.rewrite = rewrite;
    this.substitution = substitution;
  }

  static HeaderToMetadataRule from(Config.Rule proto, String path) throws ConfigException {
    if (!proto.getHeader().isEmpty() && !proto.getCookie().isEmpty()) {
      throw new ConfigException(path, "Cannot specify both header and cookie in the same rule");
    }
    if (proto.getHeader().isEmpty() && proto.getCookie().isEmpty()) {
      throw new ConfigException(path, "One of Cookie or Header option needs to be specified");
    }
    if (!proto.hasOnHeaderPresent() && !proto.hasOnHeaderMissing()) {
      throw new ConfigException(
          path, "rule has neither `on_header_present` nor `on_header_missing` set");
    }
    if (!proto.getOnHeaderPresent().getValue().isEmpty()
        && proto.getOnHeaderPresent().hasRegexValueRewrite()) {
      throw new ConfigException(
          path + ".on_header_present", "Cannot specify both value and regex_value_rewrite");
    }
    if (!proto.getCookie().isEmpty() && proto.getRemove()) {
      throw new ConfigException(path + ".remove", "Cannot specify remove for cookie");
    }
    if (proto.hasOnHeaderMissing() && proto.getOnHeaderMissing().getValue().isEmpty()) {
      throw new ConfigException(
          path + ".on_header_missing.value",
          "Cannot specify on_header_missing rule with an empty value");
    }
    String header = proto.getHeader().toLowerCase(Locale.ROOT);
    if (proto.getRemove() && header.startsWith(":")) {
      throw new ConfigException(path + ".remove", "removing a pseudo-header is not supported");
    }
    Regex rewrite = null;
    Regex.Substitution substitution = null;
    if (proto.getOnHeaderPresent().hasRegexValueRewrite()) {
      String rp = path + ".on_header_present.regex_value_rewrite";
      var spec = proto.getOnHeaderPresent().getRegexValueRewrite();
      rewrite = Regex.compile(spec.getPattern().getRegex(), rp + ".pattern.regex");
      substitution = rewrite.substitution(spec.getSubstitution(), rp + ".substitution");
    }
    return new HeaderToMetadataRule(
        header,
        proto.getCookie(),
        proto.getRemove(),
        proto.hasOnHeaderPresent()
            ? Optional.of(keyValue(proto.getOnHeaderPresent(), path + ".on_header_present"))
            : Optional.empty(),
        proto.hasOnHeaderMissing()
            ? Optional.of(keyValue(proto.getOnHeaderMissing(), path + ".on_header_missing"))
            : Optional.empty(),
        rewrite,
        substitution);
  }

  private static KeyValue keyValue(Config.KeyValuePair proto, String path) throws ConfigException {
    if (proto.getKey().isEmpty()) {
      throw new ConfigException(path + ".key", "must not be empty");
    }
    if (proto.getType() == Config.ValueType.UNRECOGNIZED) {
      throw new ConfigException(path + ".type", "unknown value type");
    }
    if (proto.getEncode() == Config.ValueEncode.UNRECOGNIZED) {
      throw new ConfigException(path + ".encode", "unknown encoding");
    }
    return new KeyValue(
        proto.getMetadataNamespace().isEmpty() ? DEFAULT_NAMESPACE : proto.getMetadataNamespace(),
        proto.getKey(),
        proto.getValue(),
        proto.getType(),
        proto.getEncode() == Config.ValueEncode.BASE64);
  }

  /**
   * Runs the rule on one header map: reads (and with {@code remove} deletes) the header, then adds
   * the present or missing pair's value to {@code out}, namespace → fields.
   *
   * @param pseudo the request's pseudo-headers by name ({@code :path}, ...), empty for responses
   */
  void apply(HttpHeaders headers, Map<String, String> pseudo, Map<String, Struct.Builder> out) {
    String value = extract(headers, pseudo);
    if (value != null && onPresent.isPresent()) {
      write(onPresent.get(), rewritten(value), out);
    } else if (value == null && onMissing.isPresent()) {
      write(onMissing.get(), "", out);
    }
  }

  private String rewritten(String value) {
    return rewrite == null ? value : rewrite.replaceAll(value, substitution);
  }

  /** The header's values joined with {@code ,}, or the cookie's value; null when absent. */
  private String extract(HttpHeaders headers, Map<String, String> pseudo) {
    if (!cookie.isEmpty()) {
      return cookieValue(headers.getAll(HttpHeaderNames.COOKIE), cookie);
    }
    if (header.startsWith(":")) {
      return pseudo.get(header);
    }
    List<String> values = headers.getAll(header);
    if (values.isEmpty()) {
      return null;
    }
    if (remove) {
      headers.remove(header);
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  /**
   * Envoy's {@code parseCookieValue}: the first {@code name=value}, quotes stripped; null if none.
   */
  static String cookieValue(List<String> cookieHeaders, String name) {
    for (String line : cookieHeaders) {
      for (String pair : line.split(";")) {
        String p = pair.strip();
        int eq = p.indexOf('=');
        if (eq <= 0 || !p.substring(0, eq).equals(name)) {
          continue;
        }
        String v = p.substring(eq + 1);
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
          v = v.substring(1, v.length() - 1);
        }
        return v.isEmpty() ? null : v;
      }
    }
    return null;
  }

  private static void write(KeyValue kv, String headerValue, Map<String, Struct.Builder> out) {
    String text = kv.value().isEmpty() ? headerValue : kv.value();
    if (text.isEmpty() || text.length() >= MAX_VALUE_LENGTH) {
      return;
    }
    byte[] bytes;
    if (kv.base64()) {
      try {
        bytes = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        return;
      }
      if (bytes.length == 0) {
        return;
      }
    } else {
      bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    }
    Value value = convert(bytes, kv.type());
    if (value != null) {
      out.computeIfAbsent(kv.namespace(), ns -> Struct.newBuilder()).putFields(kv.key(), value);
    }
  }

  /** The value as {@code type} says, or null when it does not convert (Envoy skips it). */
  private static Value convert(byte[] bytes, Config.ValueType type) {
    switch (type) {
      case NUMBER -> {
        String s = new String(bytes, StandardCharsets.ISO_8859_1).strip();
        if (!NUMBER.matcher(s).matches()) {
          return null;
        }
        return Value.newBuilder().setNumberValue(Double.parseDouble(s)).build();
      }
      case PROTOBUF_VALUE -> {
        try {
          return Value.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
      default -> {
        return Value.newBuilder().setStringValue(new String(bytes, StandardCharsets.UTF_8)).build();
      }
    }
  }
}
