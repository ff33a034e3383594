package io.attache.dataplane.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Removes the headers that describe one hop only (RFC 9110 §7.6.1) plus Netty's internal {@code
 * x-http2-*} conversion headers, before a message crosses the proxy in either direction.
 */
public final class HopByHopHeaders {
  /** AsciiStrings keep their hash: removing a name costs no hashing of the name per request. */
  private static final List<AsciiString> ALWAYS =
      List.of(
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.KEEP_ALIVE,
          HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          AsciiString.cached("x-http2-stream-id"),
          AsciiString.cached("x-http2-scheme"),
          AsciiString.cached("x-http2-path"),
          AsciiString.cached("x-http2-stream-promise-id"),
          AsciiString.cached("x-http2-stream-dependency-id"),
          AsciiString.cached("x-http2-stream-weight"));

  private HopByHopHeaders() {}

  public static void strip(HttpHeaders headers) {
    String connection = headers.get(HttpHeaderNames.CONNECTION);
    if (connection != null && !namesNoOtherHeader(connection)) {
      removeNamedByConnection(headers);
    }
    for (AsciiString name : ALWAYS) {
      headers.remove(name);
    }
    // "te: trailers" is the one TE value that must survive: gRPC needs it end to end.
    if (headers.contains(HttpHeaderNames.TE)) {
      boolean trailers = headers.containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true);
      headers.remove(HttpHeaderNames.TE);
      if (trailers) {
        headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
      }
    }
  }

  /** {@code keep-alive} and {@code close}, the usual values, name no header to remove. */
  private static boolean namesNoOtherHeader(String connection) {
    return HttpHeaderValues.KEEP_ALIVE.contentEqualsIgnoreCase(connection)
        || HttpHeaderValues.CLOSE.contentEqualsIgnoreCase(connection);
  }

  private static void removeNamedByConnection(HttpHeaders headers) {
    List<String> named = new ArrayList<>();
    for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : value.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty()) {
          named.add(t);
        }
      }
    }
    for (String name : named) {
      headers.remove(name);
    }
  }
}
