package io.attache.dataplane.http;

import java.time.Duration;

/**
 * Size and time bounds of one HTTP/1 downstream connection, fixed when the listener is built.
 * {@code requestHeadersTimeout} of {@link Duration#ZERO} means disabled, as in Envoy.
 *
 * @param maxInitialLineLength request line bytes (without CRLF) before 431
 * @param maxRequestHeadersKb HCM {@code max_request_headers_kb}: header section size before 431
 * @param maxHeadersCount {@code common_http_protocol_options.max_headers_count}: fields before 431
 * @param maxChunkSize largest {@code HttpContent} handed on; bigger chunks arrive in pieces
 * @param requestHeadersTimeout HCM {@code request_headers_timeout}: first byte to end of headers
 * @param maxRequestsPerConnection {@code common_http_protocol_options.max_requests_per_connection}:
 *     the connection closes after answering this many requests; 0 = unlimited
 */
public record Http1Limits(
    int maxInitialLineLength,
    int maxRequestHeadersKb,
    int maxHeadersCount,
    int maxChunkSize,
    Duration requestHeadersTimeout,
    int maxRequestsPerConnection) {

  /** Envoy's defaults: 60 KiB of headers, 100 fields, no header timeout. */
  public static final Http1Limits DEFAULTS =
      new Http1Limits(60 * 1024, 60, 100, 8192, Duration.ZERO, 0);

  public Http1Limits {
    requirePositive(maxInitialLineLength, "maxInitialLineLength");
    requirePositive(maxRequestHeadersKb, "maxRequestHeadersKb");
    requirePositive(maxHeadersCount, "maxHeadersCount");
    requirePositive(maxChunkSize, "maxChunkSize");
    if (requestHeadersTimeout == null || requestHeadersTimeout.isNegative()) {
      throw new IllegalArgumentException("requestHeadersTimeout must be >= 0");
    }
    if (maxRequestsPerConnection < 0) {
      throw new IllegalArgumentException("maxRequestsPerConnection must be >= 0 (0 = unlimited)");
    }
  }

  public int maxRequestHeadersBytes() {
    return maxRequestHeadersKb * 1024;
  }

  public boolean hasRequestHeadersTimeout() {
    return !requestHeadersTimeout.isZero();
  }

  public Http1Limits withRequestHeadersTimeout(Duration timeout) {
    return new Http1Limits(
        maxInitialLineLength,
        maxRequestHeadersKb,
        maxHeadersCount,
        maxChunkSize,
        timeout,
        maxRequestsPerConnection);
  }

  public Http1Limits withMaxHeadersCount(int count) {
    return new Http1Limits(
        maxInitialLineLength,
        maxRequestHeadersKb,
        count,
        maxChunkSize,
        requestHeadersTimeout,
        maxRequestsPerConnection);
  }

  public Http1Limits withMaxRequestHeadersKb(int kb) {
    return new Http1Limits(
        maxInitialLineLength,
        kb,
        maxHeadersCount,
        maxChunkSize,
        requestHeadersTimeout,
        maxRequestsPerConnection);
  }

  public Http1Limits withMaxInitialLineLength(int length) {
    return new Http1Limits(
        length,
        maxRequestHeadersKb,
        maxHeadersCount,
        maxChunkSize,
        requestHeadersTimeout,
        maxRequestsPerConnection);
  }

  public Http1Limits withMaxRequestsPerConnection(int max) {
    return new Http1Limits(
        maxInitialLineLength,
        maxRequestHeadersKb,
        maxHeadersCount,
        maxChunkSize,
        requestHeadersTimeout,
        max);
  }

  private static void requirePositive(int value, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + value);
    }
  }
}
