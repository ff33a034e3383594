package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;

/**
 * An Envoy text access-log format ({@code text_format_source}, legacy {@code format}), parsed once.
 * Absent values print as {@code -}, or as nothing with {@code omit_empty_values}. Like Envoy it
 * adds no newline: the format carries its own (the default format ends with one).
 */
public final class AccessLogFormatter implements LineFormat {
  /** Envoy's default format, used when an access log names none. */
  public static final String DEFAULT_FORMAT =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
          + "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
          + "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" "
          + "\"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" "
          + "\"%UPSTREAM_HOST%\"\n";

  private final FormatTemplate template;
  private final String absent;

  private AccessLogFormatter(FormatTemplate template, boolean omitEmptyValues) {
    this.template = template;
    this.absent = omitEmptyValues ? "" : "-";
  }

  public static AccessLogFormatter parse(String format) throws ConfigException {
    return parse(format, "", false);
  }

  /** Parses {@code format}; errors name {@code fieldPath}. */
  public static AccessLogFormatter parse(String format, String fieldPath, boolean omitEmptyValues)
      throws ConfigException {
    return new AccessLogFormatter(FormatTemplate.parse(format, fieldPath), omitEmptyValues);
  }

  public static AccessLogFormatter defaultFormat() {
    try {
      return parse(DEFAULT_FORMAT);
    } catch (ConfigException e) {
      throw new IllegalStateException("Envoy's default format must parse", e);
    }
  }

  @Override
  public String format(AccessLogEntry entry) {
    return template.render(entry, absent);
  }
}
