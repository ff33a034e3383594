package io.attache.dataplane.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why a downstream HTTP/1 request was refused before reaching the proxy: the status sent, Envoy's
 * response-code detail string (for access logs), and whether Envoy counts it as a codec protocol
 * error ({@code downstream_cx_protocol_error}) or as an ordinary local reply.
 */
public enum RejectReason {
  INVALID_METHOD(400, "http1.codec_error", true),
  INVALID_REQUEST_TARGET(400, "http1.invalid_url", true),
  ABSOLUTE_URL_REJECTED(400, "http1.invalid_url", true),
  INVALID_VERSION(400, "http1.codec_error", true),
  UNSUPPORTED_VERSION(505, "http1.codec_error", true),
  LOW_VERSION(426, "low_version", true),
  /** The request line counts toward the header limit, as in Envoy: 431, not 414. */
  REQUEST_LINE_TOO_LONG(431, "http1.headers_too_large", true),
  HEADERS_TOO_LARGE(431, "http1.headers_too_large", true),
  TOO_MANY_HEADERS(431, "http1.too_many_headers", true),
  INVALID_HEADER_NAME(400, "http1.invalid_characters", true),
  INVALID_HEADER_VALUE(400, "http1.invalid_characters", true),
  WHITESPACE_BEFORE_COLON(400, "http1.codec_error", true),
  OBSOLETE_LINE_FOLDING(400, "http1.codec_error", true),
  INVALID_LINE_ENDING(400, "http1.codec_error", true),
  CONTENT_LENGTH_AND_CHUNKED(400, "http1.content_length_and_chunked_not_allowed", true),
  INVALID_CONTENT_LENGTH(400, "http1.codec_error", true),
  MULTIPLE_CONTENT_LENGTH(400, "http1.codec_error", true),
  CHUNKED_NOT_FINAL_ENCODING(400, "http1.invalid_transfer_encoding", true),
  UNSUPPORTED_TRANSFER_ENCODING(501, "http1.invalid_transfer_encoding", true),
  TRANSFER_ENCODING_NOT_ALLOWED(400, "http1.transfer_encoding_not_allowed", true),
  UNDERSCORE_IN_HEADER_NAME(400, "http1.unexpected_underscore", true),
  INVALID_CHUNK_SIZE(400, "http1.codec_error", true),
  INVALID_CHUNK_EXTENSION(400, "http1.codec_error", true),
  MISSING_CHUNK_CRLF(400, "http1.codec_error", true),
  MALFORMED_MESSAGE(400, "http1.codec_error", true),
  MISSING_HOST(400, "missing_host_header", false),
  MULTIPLE_HOST(400, "http1.codec_error", true),
  INVALID_HOST(400, "http1.codec_error", true),
  REQUEST_HEADER_TIMEOUT(408, "request_header_timeout", false);

  private final HttpResponseStatus status;
  private final String details;
  private final boolean protocolError;

  RejectReason(int status, String details, boolean protocolError) {
    this.status = HttpResponseStatus.valueOf(status);
    this.details = details;
    this.protocolError = protocolError;
  }

  public HttpResponseStatus status() {
    return status;
  }

  /** Envoy's {@code %RESPONSE_CODE_DETAILS%} value for this refusal. */
  public String details() {
    return details;
  }

  /** Counted as {@code downstream_cx_protocol_error}, as Envoy's codec errors are. */
  public boolean isProtocolError() {
    return protocolError;
  }

  /**
   * The local reply body, as Envoy writes it: the reason phrase for codec errors, the timer's
   * message for the header timeout.
   */
  public String body() {
    return this == REQUEST_HEADER_TIMEOUT ? "request header timeout" : status.reasonPhrase();
  }
}
