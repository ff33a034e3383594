package io.attache.dataplane.headercase;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig;

/**
 * How one HTTP/1.1 codec (a connection manager's downstream side, or a cluster's upstream side)
 * formats the header names it writes and what it remembers of the names it reads: {@code
 * Http1ProtocolOptions.header_key_format}, parsed once. Immutable.
 *
 * <p>As in Envoy, a message read by a codec with {@code preserve_case} carries its formatter across
 * the proxy, and the codec that writes it uses that formatter before its own; a codec's own
 * formatter is {@code proper_case_words} or lower case ({@code preserve_case} has none of its own:
 * what it did not read goes out in lower case).
 *
 * @param kind which formatter
 * @param forwardReasonPhrase preserve case only: a response's reason phrase goes on as read
 * @param properCaseOnEnvoyHeaders preserve case only: names it never read go out in proper case
 */
public record HeaderKeyFormat(
    Kind kind, boolean forwardReasonPhrase, boolean properCaseOnEnvoyHeaders) {

  /** Envoy's formatters. */
  public enum Kind {
    LOWER_CASE,
    PROPER_CASE_WORDS,
    PRESERVE_CASE
  }

  public static final HeaderKeyFormat DEFAULT = new HeaderKeyFormat(Kind.LOWER_CASE, false, false);

  static final String PRESERVE_CASE_TYPE =
      "type.googleapis.com/" + PreserveCaseFormatterConfig.getDescriptor().getFullName();

  /**
   * {@code http1.header_key_format}; {@link #DEFAULT} when it is unset. {@code path} names {@code
   * http1} in errors.
   */
  public static HeaderKeyFormat fromProto(Http1ProtocolOptions http1, String path)
      throws ConfigException {
    if (!http1.hasHeaderKeyFormat()) {
      return DEFAULT;
    }
    String at = path + ".header_key_format";
    Http1ProtocolOptions.HeaderKeyFormat proto = http1.getHeaderKeyFormat();
    return switch (proto.getHeaderFormatCase()) {
      case PROPER_CASE_WORDS -> new HeaderKeyFormat(Kind.PROPER_CASE_WORDS, false, false);
      case STATEFUL_FORMATTER -> preserveCase(proto.getStatefulFormatter().getTypedConfig(), at);
      case HEADERFORMAT_NOT_SET ->
          throw new ConfigException(at, "one of proper_case_words, stateful_formatter is required");
    };
  }

  private static HeaderKeyFormat preserveCase(Any typed, String at) throws ConfigException {
    String typedPath = at + ".stateful_formatter.typed_config";
    if (!PRESERVE_CASE_TYPE.equals(typed.getTypeUrl())) {
      throw new ConfigException(
          typedPath,
          "unknown stateful header formatter '"
              + typed.getTypeUrl()
              + "': only envoy.http.stateful_header_formatters.preserve_case is supported");
    }
    PreserveCaseFormatterConfig config;
    try {
      config = typed.unpack(PreserveCaseFormatterConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(typedPath, "is not a PreserveCaseFormatterConfig", e);
    }
    boolean properCase =
        switch (config.getFormatterTypeOnEnvoyHeaders()) {
          case DEFAULT -> false;
          case PROPER_CASE -> true;
          case UNRECOGNIZED ->
              throw new ConfigException(
                  typedPath + ".formatter_type_on_envoy_headers",
                  "unknown value " + config.getFormatterTypeOnEnvoyHeadersValue());
        };
    return new HeaderKeyFormat(Kind.PRESERVE_CASE, config.getForwardReasonPhrase(), properCase);
  }

  /** The codec's own formatter: for what it writes without a formatter carried from the reader. */
  public KeyFormatter ownFormatter() {
    return kind == Kind.PROPER_CASE_WORDS
        ? KeyFormatter.PROPER_CASE_WORDS
        : KeyFormatter.LOWER_CASE;
  }

  /** A fresh formatter for one message read by a {@code preserve_case} codec. */
  PreservedHeaderCase newRecorder() {
    return new PreservedHeaderCase(
        properCaseOnEnvoyHeaders ? KeyFormatter.PROPER_CASE_WORDS : KeyFormatter.LOWER_CASE);
  }
}
