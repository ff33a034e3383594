package io.attache.dataplane.retry;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;

/**
 * One {@code rate_limited_retry_back_off.reset_headers} entry: a response header (such as {@code
 * Retry-After} or {@code X-RateLimit-Reset}) telling how long to wait before retrying. Immutable.
 *
 * @param name the header name, lower case
 * @param format {@code SECONDS} (a delay) or {@code UNIX_TIMESTAMP} (an instant)
 */
public record ResetHeader(String name, Format format) {
  /** {@code RetryPolicy.ResetHeaderFormat}. */
  public enum Format {
    SECONDS,
    UNIX_TIMESTAMP
  }

  /**
   * The wait the header asks for, in milliseconds, or -1 when the header is absent, not a
   * non-negative integer, or (for a timestamp) in the past. Only the first value counts, as in
   * Envoy: the header comes from a trusted upstream.
   */
  long intervalMillis(HttpHeaders headers, Clock wallClock) {
    String value = headers.get(name);
    if (value == null) {
      return -1;
    }
    long seconds = parseUnsigned(value);
    if (seconds < 0) {
      return -1;
    }
    if (format == Format.UNIX_TIMESTAMP) {
      long now = wallClock.instant().getEpochSecond();
      if (seconds < now) {
        return -1;
      }
      seconds -= now;
    }
    return seconds > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : seconds * 1000;
  }

  /** Digits only (surrounding whitespace allowed, as absl::SimpleAtoi does); -1 otherwise. */
  static long parseUnsigned(String value) {
    String trimmed = value.trim();
    if (trimmed.startsWith("+")) {
      trimmed = trimmed.substring(1);
    }
    if (trimmed.isEmpty() || trimmed.length() > 18) {
      return -1;
    }
    long result = 0;
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      result = result * 10 + (c - '0');
    }
    return result;
  }
}
