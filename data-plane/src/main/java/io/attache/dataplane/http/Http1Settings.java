package io.attache.dataplane.http;

/**
 * Protocol choices for HTTP/1 downstream requests, taken from HCM {@code http_protocol_options}
 * ({@code Http1ProtocolOptions}), {@code proxy_100_continue} and {@code
 * common_http_protocol_options.headers_with_underscores_action}. Defaults are Envoy's.
 *
 * @param allowAbsoluteUrl accept absolute-form targets and route on their authority (default true)
 * @param acceptHttp10 serve HTTP/1.0; when false such requests get 426 (default false)
 * @param defaultHostForHttp10 Host used for an HTTP/1.0 request without one; empty = none
 * @param allowChunkedLength accept Content-Length with chunked by dropping Content-Length
 * @param enableTrailers pass request trailers on; when false they are dropped (default false)
 * @param proxy100Continue forward {@code Expect: 100-continue} upstream instead of answering it
 * @param headersWithUnderscoresAction what to do with header names containing '_'
 */
public record Http1Settings(
    boolean allowAbsoluteUrl,
    boolean acceptHttp10,
    String defaultHostForHttp10,
    boolean allowChunkedLength,
    boolean enableTrailers,
    boolean proxy100Continue,
    HeadersWithUnderscoresAction headersWithUnderscoresAction) {

  public static final Http1Settings DEFAULTS =
      new Http1Settings(true, false, "", false, false, false, HeadersWithUnderscoresAction.ALLOW);

  public Http1Settings {
    if (defaultHostForHttp10 == null) {
      throw new IllegalArgumentException("defaultHostForHttp10 must not be null; use \"\"");
    }
    if (headersWithUnderscoresAction == null) {
      throw new IllegalArgumentException("headersWithUnderscoresAction must not be null");
    }
  }

  public Http1Settings withAcceptHttp10(boolean accept, String defaultHost) {
    return new Http1Settings(
        allowAbsoluteUrl,
        accept,
        defaultHost,
        allowChunkedLength,
        enableTrailers,
        proxy100Continue,
        headersWithUnderscoresAction);
  }

  public Http1Settings withAllowAbsoluteUrl(boolean allow) {
    return new Http1Settings(
        allow,
        acceptHttp10,
        defaultHostForHttp10,
        allowChunkedLength,
        enableTrailers,
        proxy100Continue,
        headersWithUnderscoresAction);
  }

  public Http1Settings withAllowChunkedLength(boolean allow) {
    return new Http1Settings(
        allowAbsoluteUrl,
        acceptHttp10,
        defaultHostForHttp10,
        allow,
        enableTrailers,
        proxy100Continue,
        headersWithUnderscoresAction);
  }

  public Http1Settings withProxy100Continue(boolean proxy) {
    return new Http1Settings(
        allowAbsoluteUrl,
        acceptHttp10,
        defaultHostForHttp10,
        allowChunkedLength,
        enableTrailers,
        proxy,
        headersWithUnderscoresAction);
  }

  public Http1Settings withEnableTrailers(boolean enable) {
    return new Http1Settings(
        allowAbsoluteUrl,
        acceptHttp10,
        defaultHostForHttp10,
        allowChunkedLength,
        enable,
        proxy100Continue,
        headersWithUnderscoresAction);
  }

  public Http1Settings withHeadersWithUnderscoresAction(HeadersWithUnderscoresAction action) {
    return new Http1Settings(
        allowAbsoluteUrl,
        acceptHttp10,
        defaultHostForHttp10,
        allowChunkedLength,
        enableTrailers,
        proxy100Continue,
        action);
  }
}
