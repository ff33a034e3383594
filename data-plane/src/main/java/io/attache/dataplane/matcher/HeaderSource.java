package io.attache.dataplane.matcher;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * Headers as an Envoy header matcher sees them: pseudo-headers ({@code :method}, {@code :path},
 * {@code :authority}, {@code :scheme}, {@code :status}) included, and several values of one header
 * joined with {@code ","}. A short-lived view over Netty's headers; never copies them.
 */
@FunctionalInterface
public interface HeaderSource {
  /** All values of {@code lowerCaseName} joined with {@code ","}, or null when absent. */
  String joined(String lowerCaseName);

  static HeaderSource ofRequest(HttpRequest request, String scheme) {
    HttpHeaders headers = request.headers();
    return name -> {
      if (name.startsWith(":")) {
        return switch (name) {
          case ":method" -> request.method().name();
          case ":path" -> request.uri();
          case ":authority" -> headers.get(HttpHeaderNames.HOST);
          case ":scheme" -> scheme;
          default -> null;
        };
      }
      // As in Envoy, the HTTP/1 Host header is only visible as :authority.
      return name.equals("host") ? null : joinedValues(headers, name);
    };
  }

  static HeaderSource ofResponse(int status, HttpHeaders headers) {
    return name ->
        name.startsWith(":")
            ? (name.equals(":status") ? Integer.toString(status) : null)
            : joinedValues(headers, name);
  }

  /** Request or response trailers: no pseudo-headers. */
  static HeaderSource ofTrailers(HttpHeaders trailers) {
    return name -> name.startsWith(":") ? null : joinedValues(trailers, name);
  }

  private static String joinedValues(HttpHeaders headers, String name) {
    List<String> values = headers.getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }
}
