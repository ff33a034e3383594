package io.attache.dataplane.router;

import io.attache.dataplane.matcher.HeaderSource;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;

/**
 * One request as the route table sees it: Netty's request plus Envoy's pseudo-headers ({@code
 * :method}, {@code :path}, {@code :authority}, {@code :scheme}) and lazily split path and query.
 * Lives for one {@link RouteTable#route} call on one thread; never shared.
 *
 * <p>As in Envoy, the HTTP/1 {@code Host} header is only visible as {@code :authority}: a header
 * matcher on {@code host} sees no header (Envoy's docs say to match on {@code :authority}).
 */
final class RequestView implements HeaderSource {
  final HttpRequest request;
  final HttpHeaders headers;
  final String method;
  final String uri;
  final String authority;
  final String scheme;
  final RequestContext context;
  private final boolean ignorePathParameters;
  private String pathForMatching;
  private QueryString query;
  private long randomValue;
  private boolean randomDrawn;
  private final io.attache.dataplane.time.RandomSource random;

  RequestView(
      HttpRequest request,
      String authority,
      RequestContext context,
      boolean ignorePathParameters,
      io.attache.dataplane.time.RandomSource random) {
    this.request = request;
    this.headers = request.headers();
    this.method = request.method().name();
    this.uri = request.uri();
    this.authority = authority;
    this.scheme = context.scheme(request.headers());
    this.context = context;
    this.ignorePathParameters = ignorePathParameters;
    this.random = random;
  }

  /** The path without query and fragment (and without {@code ;params} if so configured). */
  String pathForMatching() {
    if (pathForMatching == null) {
      String path = pathWithoutQuery(uri);
      if (ignorePathParameters) {
        int semicolon = path.indexOf(';');
        if (semicolon >= 0) {
          path = path.substring(0, semicolon);
        }
      }
      pathForMatching = path;
    }
    return pathForMatching;
  }

  static String pathWithoutQuery(String uri) {
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        return uri.substring(0, i);
      }
    }
    return uri;
  }

  QueryString query() {
    if (query == null) {
      query = QueryString.parse(uri);
    }
    return query;
  }

  /**
   * Envoy draws one random number per stream and uses it both for {@code runtime_fraction} and the
   * weighted-cluster pick; so do we, on first use.
   */
  long randomValue() {
    if (!randomDrawn) {
      randomValue = random.nextLong();
      randomDrawn = true;
    }
    return randomValue;
  }

  /**
   * All values of a header joined with {@code ","} as Envoy does for matching, or null when absent.
   */
  @Override
  public String joined(String name) {
    return headerValueJoined(name);
  }

  String headerValueJoined(String name) {
    String pseudo = pseudoHeader(name);
    if (pseudo != null || name.startsWith(":") || name.equalsIgnoreCase("host")) {
      return pseudo;
    }
    List<String> values = headers.getAll(name);
    if (values.isEmpty()) {
      return null;
    }
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }

  /** The first value of a header (Envoy's rule for untrusted single-valued headers), or null. */
  String headerFirstValue(String name) {
    String pseudo = pseudoHeader(name);
    if (pseudo != null || name.startsWith(":") || name.equalsIgnoreCase("host")) {
      return pseudo;
    }
    return headers.get(name);
  }

  /** All values of a header, for hashing. */
  List<String> headerValues(String name) {
    String pseudo = pseudoHeader(name);
    if (pseudo != null || name.startsWith(":") || name.equalsIgnoreCase("host")) {
      return pseudo == null ? List.of() : List.of(pseudo);
    }
    return headers.getAll(name);
  }

  private String pseudoHeader(String name) {
    if (name.isEmpty() || name.charAt(0) != ':') {
      return null;
    }
    switch (name) {
      case ":method":
        return method;
      case ":path":
        return uri;
      case ":authority":
        return authority.isEmpty() ? null : authority;
      case ":scheme":
        return scheme;
      default:
        return null;
    }
  }

  /** Query parameters as Envoy parses them for matching: raw (not percent-decoded), first wins. */
  static final class QueryString {
    private final String raw;

    private QueryString(String raw) {
      this.raw = raw;
    }

    static QueryString parse(String uri) {
      int question = uri.indexOf('?');
      if (question < 0) {
        return new QueryString("");
      }
      int hash = uri.indexOf('#', question);
      return new QueryString(uri.substring(question + 1, hash < 0 ? uri.length() : hash));
    }

    /** The first value of {@code name}; "" for a bare key; null when absent. */
    String firstValue(String name) {
      int start = 0;
      while (start <= raw.length() && !raw.isEmpty()) {
        int end = raw.indexOf('&', start);
        if (end < 0) {
          end = raw.length();
        }
        int equals = raw.indexOf('=', start);
        boolean hasValue = equals >= 0 && equals < end;
        int keyEnd = hasValue ? equals : end;
        if (keyEnd - start == name.length() && raw.startsWith(name, start)) {
          return hasValue ? raw.substring(equals + 1, end) : "";
        }
        if (end >= raw.length()) {
          break;
        }
        start = end + 1;
      }
      return null;
    }
  }
}
