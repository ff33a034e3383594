package io.attache.dataplane.path;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Optional;

/**
 * The HCM's path normalisation, run on every request before RBAC and routing so both see the path
 * the upstream will get: fragment refused, then {@code path_with_escaped_slashes_action}, then
 * {@code normalize_path} ({@link PathCanonicalizer}), then {@code merge_slashes} — Envoy's {@code
 * ConnectionManagerUtility::maybeNormalizePath}, in its order, with its defaults (all off). The
 * query is never touched. Immutable; pure.
 */
public final class PathNormalizer {
  /** Envoy's defaults: nothing changes but a fragment is still refused. */
  public static final PathNormalizer DEFAULTS =
      new PathNormalizer(false, false, EscapedSlashesAction.KEEP_UNCHANGED);

  /** What happens to the request. */
  public enum Action {
    /** Go on with {@link Result#path()}. */
    CONTINUE,
    /** Answer 307 to {@link Result#path()} (escaped slashes, {@code UNESCAPE_AND_REDIRECT}). */
    REDIRECT,
    /** Answer 400: the path cannot be made valid. */
    REJECT
  }

  /** The decision and the path to go on with (or redirect to). */
  public record Result(Action action, String path) {}

  private final boolean normalizePath;
  private final boolean mergeSlashes;
  private final EscapedSlashesAction escapedSlashes;

  public PathNormalizer(
      boolean normalizePath, boolean mergeSlashes, EscapedSlashesAction escapedSlashes) {
    this.normalizePath = normalizePath;
    this.mergeSlashes = mergeSlashes;
    this.escapedSlashes = escapedSlashes;
  }

  /**
   * Reads {@code normalize_path}, {@code merge_slashes}, {@code path_with_escaped_slashes_action}.
   */
  public static PathNormalizer from(HttpConnectionManager hcm, String path) throws ConfigException {
    EscapedSlashesAction escaped =
        switch (hcm.getPathWithEscapedSlashesAction()) {
          case IMPLEMENTATION_SPECIFIC_DEFAULT, KEEP_UNCHANGED ->
              EscapedSlashesAction.KEEP_UNCHANGED;
          case REJECT_REQUEST -> EscapedSlashesAction.REJECT_REQUEST;
          case UNESCAPE_AND_REDIRECT -> EscapedSlashesAction.UNESCAPE_AND_REDIRECT;
          case UNESCAPE_AND_FORWARD -> EscapedSlashesAction.UNESCAPE_AND_FORWARD;
          default ->
              throw new ConfigException(
                  path + ".path_with_escaped_slashes_action", "unknown value");
        };
    return new PathNormalizer(
        hcm.hasNormalizePath() && hcm.getNormalizePath().getValue(),
        hcm.getMergeSlashes(),
        escaped);
  }

  /**
   * Normalises a request target. Only origin-form targets ({@code /...}) are touched; others
   * (CONNECT's authority, {@code *}) go on as they are.
   */
  public Result normalize(String target) {
    if (target.isEmpty() || target.charAt(0) != '/') {
      return new Result(Action.CONTINUE, target);
    }
    if (target.indexOf('#') >= 0) {
      return new Result(Action.REJECT, target); // Envoy: http_reject_path_with_fragment
    }
    int queryStart = target.indexOf('?');
    String path = queryStart < 0 ? target : target.substring(0, queryStart);
    String query = queryStart < 0 ? "" : target.substring(queryStart);
    Action action = Action.CONTINUE;
    if (escapedSlashes != EscapedSlashesAction.KEEP_UNCHANGED) {
      String unescaped = unescapeSlashes(path);
      if (!unescaped.equals(path)) {
        if (escapedSlashes == EscapedSlashesAction.REJECT_REQUEST) {
          return new Result(Action.REJECT, target);
        }
        if (escapedSlashes == EscapedSlashesAction.UNESCAPE_AND_REDIRECT) {
          action = Action.REDIRECT;
        }
        path = unescaped;
      }
    }
    if (normalizePath) {
      Optional<String> canonical = PathCanonicalizer.canonicalize(path);
      if (canonical.isEmpty()) {
        return new Result(Action.REJECT, target);
      }
      path = canonical.get();
    }
    if (mergeSlashes) {
      path = mergeSlashes(path);
    }
    return new Result(action, path + query);
  }

  /** {@code %2F}/{@code %2f} become {@code /}, {@code %5C}/{@code %5c} become {@code \}. */
  static String unescapeSlashes(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length()) {
        if (path.regionMatches(true, i, "%2f", 0, 3)) {
          out.append('/');
          i += 2;
          continue;
        }
        if (path.regionMatches(true, i, "%5c", 0, 3)) {
          out.append('\\');
          i += 2;
          continue;
        }
      }
      out.append(c);
    }
    return out.toString();
  }

  /** Runs of slashes become one; a leading and a trailing slash are kept. */
  static String mergeSlashes(String path) {
    if (!path.contains("//")) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    if (path.startsWith("/")) {
      out.append('/');
    }
    boolean first = true;
    for (String segment : path.split("/")) {
      if (segment.isEmpty()) {
        continue;
      }
      if (!first) {
        out.append('/');
      }
      out.append(segment);
      first = false;
    }
    if (path.endsWith("/")) {
      out.append('/'); // as Envoy: "//" stays "//"
    }
    return out.toString();
  }
}
