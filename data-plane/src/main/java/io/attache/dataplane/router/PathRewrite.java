package io.attache.dataplane.router;

import io.attache.dataplane.matcher.Regex;

/**
 * A compiled {@code prefix_rewrite} or {@code regex_rewrite} (of a RouteAction or RedirectAction).
 * A prefix rewrite replaces the matched part of {@code :path} (the prefix, the exact path, or, for
 * a regex route, the whole path before the query); a regex rewrite replaces every match within the
 * path before the query. The query string is kept in both cases. Immutable.
 */
abstract class PathRewrite {
  static final PathRewrite NONE =
      new PathRewrite() {
        @Override
        String apply(String uri, int matchedLength) {
          return null;
        }
      };

  /** The rewritten {@code :path}, or null when this rewrite does nothing. */
  abstract String apply(String uri, int matchedLength);

  static PathRewrite prefix(String replacement) {
    return new PathRewrite() {
      @Override
      String apply(String uri, int matchedLength) {
        return replacement + uri.substring(Math.min(matchedLength, uri.length()));
      }
    };
  }

  static PathRewrite regex(Regex pattern, Regex.Substitution substitution) {
    return new PathRewrite() {
      @Override
      String apply(String uri, int matchedLength) {
        String path = RequestView.pathWithoutQuery(uri);
        return pattern.replaceAll(path, substitution) + uri.substring(path.length());
      }
    };
  }
}
