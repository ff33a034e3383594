package io.attache.dataplane.http2;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

/**
 * The request rules of RFC 9113 §8.3 that Netty leaves to the application, as Envoy 1.40 enforces
 * them: {@code :method} present; for CONNECT an {@code :authority} and no {@code :scheme} or {@code
 * :path} (unless extended CONNECT's {@code :protocol}); otherwise {@code :scheme} and a non-empty
 * {@code :path}, and an authority ({@code :authority} or {@code host}) that is a valid host and
 * port without userinfo. Pure and stateless.
 */
final class Http2RequestHeaders {
  private static final AsciiString CONNECT = AsciiString.cached("CONNECT");
  private static final AsciiString HOST = AsciiString.cached("host");
  private static final AsciiString PROTOCOL = AsciiString.cached(":protocol");

  private Http2RequestHeaders() {}

  /** Why {@code headers} (the first HEADERS of a stream) is not a valid request; null if it is. */
  static String violation(Http2Headers headers) {
    CharSequence method = headers.method();
    if (method == null) {
      return "missing :method";
    }
    CharSequence authority = headers.authority();
    if (CONNECT.contentEquals(method) && !headers.contains(PROTOCOL)) {
      if (authority == null) {
        return "CONNECT without :authority";
      }
      if (headers.scheme() != null || headers.path() != null) {
        return "CONNECT with :scheme or :path";
      }
      return authorityViolation(authority);
    }
    if (headers.scheme() == null) {
      return "missing :scheme";
    }
    CharSequence path = headers.path();
    if (path == null || path.length() == 0) {
      return "missing or empty :path";
    }
    if (authority == null) {
      authority = headers.get(HOST);
      if (authority == null) {
        return "missing :authority and host";
      }
    }
    return authorityViolation(authority);
  }

  /** A host (name, IPv4 or bracketed IPv6) with an optional port; no userinfo, no blanks. */
  private static String authorityViolation(CharSequence authority) {
    if (authority.length() == 0) {
      return "empty :authority";
    }
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      if (c == '@') {
        return "userinfo in :authority";
      }
      if (!isAuthorityChar(c)) {
        return "invalid character in :authority";
      }
    }
    return null;
  }

  /** RFC 3986 unreserved, sub-delims, ':' and the brackets and '%' of IP literals. */
  private static boolean isAuthorityChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    return switch (c) {
      case '-',
          '.',
          '_',
          '~',
          '!',
          '$',
          '&',
          '\'',
          '(',
          ')',
          '*',
          '+',
          ',',
          ';',
          '=',
          ':',
          '[',
          ']',
          '%' ->
          true;
      default -> false;
    };
  }
}
