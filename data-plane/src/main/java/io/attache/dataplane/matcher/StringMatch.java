package io.attache.dataplane.matcher;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * A compiled {@code envoy.type.matcher.v3.StringMatcher}, the one string matcher of the proxy
 * (routes, RBAC, fault, retry, SAN checks); regexes go through {@link Regex}. Immutable; matching
 * never compiles or allocates beyond what the comparison itself needs.
 */
public abstract class StringMatch {
  public abstract boolean matches(String value);

  /** Matches every value (Envoy's legacy empty {@code exact_match}). */
  public static final StringMatch ANY =
      new StringMatch() {
        @Override
        public boolean matches(String value) {
          return true;
        }
      };

  public static StringMatch compile(StringMatcher proto, String fieldPath) throws ConfigException {
    boolean ignoreCase = proto.getIgnoreCase();
    switch (proto.getMatchPatternCase()) {
      case EXACT:
        return exact(proto.getExact(), ignoreCase);
      case PREFIX:
        requireNonEmpty(proto.getPrefix(), fieldPath + ".prefix");
        return prefix(proto.getPrefix(), ignoreCase);
      case SUFFIX:
        requireNonEmpty(proto.getSuffix(), fieldPath + ".suffix");
        return suffix(proto.getSuffix(), ignoreCase);
      case CONTAINS:
        requireNonEmpty(proto.getContains(), fieldPath + ".contains");
        return contains(proto.getContains(), ignoreCase);
      case SAFE_REGEX:
        if (ignoreCase) {
          // Envoy refuses this combination rather than silently ignoring the flag.
          throw new ConfigException(
              fieldPath + ".ignore_case", "ignore_case has no effect for safe_regex; use (?i)");
        }
        return regex(
            Regex.compile(proto.getSafeRegex().getRegex(), fieldPath + ".safe_regex.regex"));
      case CUSTOM:
        throw new ConfigException(
            fieldPath + ".custom", "custom string matchers are not supported");
      default:
        throw new ConfigException(
            fieldPath, "one of exact, prefix, suffix, safe_regex, contains is required");
    }
  }

  public static void requireNonEmpty(String value, String fieldPath) throws ConfigException {
    if (value.isEmpty()) {
      throw new ConfigException(fieldPath, "must not be empty");
    }
  }

  public static StringMatch exact(String expected, boolean ignoreCase) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        return ignoreCase ? expected.equalsIgnoreCase(value) : expected.equals(value);
      }
    };
  }

  public static StringMatch prefix(String prefix, boolean ignoreCase) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        return value.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
      }
    };
  }

  public static StringMatch suffix(String suffix, boolean ignoreCase) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        int offset = value.length() - suffix.length();
        return offset >= 0 && value.regionMatches(ignoreCase, offset, suffix, 0, suffix.length());
      }
    };
  }

  public static StringMatch contains(String part, boolean ignoreCase) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        for (int offset = 0; offset + part.length() <= value.length(); offset++) {
          if (value.regionMatches(ignoreCase, offset, part, 0, part.length())) {
            return true;
          }
        }
        return false;
      }
    };
  }

  public static StringMatch regex(Regex pattern) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        return pattern.fullMatch(value);
      }
    };
  }
}
