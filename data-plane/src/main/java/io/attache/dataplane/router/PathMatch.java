package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.Regex;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;

/**
 * The compiled {@code path_specifier} of a RouteMatch. Paths are compared without query string and
 * fragment, as Envoy's path matchers do; {@code case_sensitive} applies to prefix, path and
 * path_separated_prefix and is ignored for safe_regex (Envoy's rule); {@code connect_matcher}
 * matches the CONNECT method instead of a path. Immutable.
 */
abstract class PathMatch {
  abstract boolean matches(RequestView request);

  /** How many leading characters of {@code :path} a {@code prefix_rewrite} replaces. */
  abstract int rewrittenLength(RequestView request);

  static PathMatch compile(RouteMatch match, String fieldPath) throws ConfigException {
    boolean ignoreCase = match.hasCaseSensitive() && !match.getCaseSensitive().getValue();
    switch (match.getPathSpecifierCase()) {
      case PREFIX:
        return prefix(match.getPrefix(), ignoreCase);
      case PATH:
        return exact(match.getPath(), ignoreCase);
      case PATH_SEPARATED_PREFIX:
        String separated = match.getPathSeparatedPrefix();
        if (!validSeparatedPrefix(separated)) {
          throw new ConfigException(
              fieldPath + ".path_separated_prefix",
              "'" + separated + "' must be non-empty, contain no '?' or '#', and not end in '/'");
        }
        return separatedPrefix(separated, ignoreCase);
      case SAFE_REGEX:
        return regex(
            Regex.compile(match.getSafeRegex().getRegex(), fieldPath + ".safe_regex.regex"));
      case CONNECT_MATCHER:
        return CONNECT;
      case PATH_MATCH_POLICY:
        throw new ConfigException(
            fieldPath + ".path_match_policy", "path match extensions are not supported");
      default:
        throw new ConfigException(
            fieldPath, "one of prefix, path, safe_regex, path_separated_prefix is required");
    }
  }

  /**
   * {@code connect_matcher}: every CONNECT request and nothing else (Envoy's {@code
   * ConnectRouteEntryImpl}); a CONNECT has no path to rewrite.
   */
  private static final PathMatch CONNECT =
      new PathMatch() {
        @Override
        boolean matches(RequestView request) {
          return "CONNECT".equals(request.method);
        }

        @Override
        int rewrittenLength(RequestView request) {
          return 0;
        }
      };

  private static boolean validSeparatedPrefix(String prefix) {
    // The PGV rule ^[^?#]+[^?#/]$: two characters at least, no '?' or '#', no trailing '/'.
    if (prefix.length() < 2 || prefix.charAt(prefix.length() - 1) == '/') {
      return false;
    }
    return prefix.indexOf('?') < 0 && prefix.indexOf('#') < 0;
  }

  private static PathMatch prefix(String prefix, boolean ignoreCase) {
    return new PathMatch() {
      @Override
      boolean matches(RequestView request) {
        return request.pathForMatching().regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
      }

      @Override
      int rewrittenLength(RequestView request) {
        return prefix.length();
      }
    };
  }

  private static PathMatch exact(String path, boolean ignoreCase) {
    return new PathMatch() {
      @Override
      boolean matches(RequestView request) {
        String actual = request.pathForMatching();
        return ignoreCase ? actual.equalsIgnoreCase(path) : actual.equals(path);
      }

      @Override
      int rewrittenLength(RequestView request) {
        return path.length();
      }
    };
  }

  private static PathMatch separatedPrefix(String prefix, boolean ignoreCase) {
    return new PathMatch() {
      @Override
      boolean matches(RequestView request) {
        String actual = request.pathForMatching();
        return actual.regionMatches(ignoreCase, 0, prefix, 0, prefix.length())
            && (actual.length() == prefix.length() || actual.charAt(prefix.length()) == '/');
      }

      @Override
      int rewrittenLength(RequestView request) {
        return prefix.length();
      }
    };
  }

  private static PathMatch regex(Regex pattern) {
    return new PathMatch() {
      @Override
      boolean matches(RequestView request) {
        return pattern.fullMatch(request.pathForMatching());
      }

      @Override
      int rewrittenLength(RequestView request) {
        return RequestView.pathWithoutQuery(request.uri).length();
      }
    };
  }
}
