package io.attache.dataplane.filter.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A response's {@code vary} and the request's side of it: the header names it lists (every {@code
 * vary} line, comma-separated, trimmed, lower-cased, sorted and de-duplicated as Envoy keeps them)
 * and the identifier of a request's values for them, which tells stored variants apart.
 */
final class Vary {
  private Vary() {}

  static Set<String> names(HttpHeaders response) {
    List<String> lines = response.getAll(HttpHeaderNames.VARY);
    if (lines.isEmpty()) {
      return Set.of();
    }
    Set<String> names = new TreeSet<>();
    for (String line : lines) {
      for (String token : line.split(",", -1)) {
        String name = token.strip().toLowerCase(java.util.Locale.ROOT);
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /**
   * The request's values of {@code names}, one line per header (all of a header's values joined),
   * as Envoy's {@code createVaryIdentifier}.
   */
  static String identifier(Set<String> names, HttpHeaders request) {
    StringBuilder id = new StringBuilder("vary-id\n");
    for (String name : names) {
      id.append(name).append('\r').append(String.join("\r", request.getAll(name))).append('\n');
    }
    return id.toString();
  }
}
