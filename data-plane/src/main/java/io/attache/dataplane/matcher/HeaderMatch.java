package io.attache.dataplane.matcher;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled {@code config.route.v3.HeaderMatcher} with Envoy's semantics, the one header matcher
 * of the proxy (route matches, RBAC permissions and principals, fault headers, retriable request
 * and response headers): multiple values are joined with {@code ","}; a missing header fails every
 * value matcher (even inverted) unless {@code treat_missing_header_as_empty}; {@code present_match}
 * compares presence and is then inverted by {@code invert_match}. Immutable.
 */
public final class HeaderMatch {
  private enum Kind {
    PRESENT,
    VALUE
  }

  private final String name;
  private final Kind kind;
  private final boolean expectPresent;
  private final StringMatch valueMatch;
  private final boolean invert;
  private final boolean treatMissingAsEmpty;

  private HeaderMatch(
      String name,
      Kind kind,
      boolean expectPresent,
      StringMatch valueMatch,
      boolean invert,
      boolean treatMissingAsEmpty) {
    this.name = name;
    this.kind = kind;
    this.expectPresent = expectPresent;
    this.valueMatch = valueMatch;
    this.invert = invert;
    this.treatMissingAsEmpty = treatMissingAsEmpty;
  }

  public static List<HeaderMatch> compileAll(List<HeaderMatcher> protos, String fieldPath)
      throws ConfigException {
    List<HeaderMatch> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      out.add(compile(protos.get(i), fieldPath + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  @SuppressWarnings("deprecation") // the deprecated *_match fields are still in the v3 API
  public static HeaderMatch compile(HeaderMatcher proto, String fieldPath) throws ConfigException {
    String name = proto.getName().toLowerCase(java.util.Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(fieldPath + ".name", "header name must not be empty");
    }
    boolean invert = proto.getInvertMatch();
    boolean missingAsEmpty = proto.getTreatMissingHeaderAsEmpty();
    StringMatch value;
    switch (proto.getHeaderMatchSpecifierCase()) {
      case PRESENT_MATCH:
        return new HeaderMatch(
            name, Kind.PRESENT, proto.getPresentMatch(), null, invert, missingAsEmpty);
      case HEADERMATCHSPECIFIER_NOT_SET:
        // No specifier: Envoy matches on presence.
        return new HeaderMatch(name, Kind.PRESENT, true, null, invert, missingAsEmpty);
      case EXACT_MATCH:
        String exact = proto.getExactMatch();
        // Envoy's legacy exact match treats an empty expected value as "any value".
        value = exact.isEmpty() ? StringMatch.ANY : StringMatch.exact(exact, false);
        break;
      case SAFE_REGEX_MATCH:
        value =
            StringMatch.regex(
                Regex.compile(
                    proto.getSafeRegexMatch().getRegex(), fieldPath + ".safe_regex_match.regex"));
        break;
      case RANGE_MATCH:
        value = range(proto.getRangeMatch().getStart(), proto.getRangeMatch().getEnd());
        break;
      case PREFIX_MATCH:
        StringMatch.requireNonEmpty(proto.getPrefixMatch(), fieldPath + ".prefix_match");
        value = StringMatch.prefix(proto.getPrefixMatch(), false);
        break;
      case SUFFIX_MATCH:
        StringMatch.requireNonEmpty(proto.getSuffixMatch(), fieldPath + ".suffix_match");
        value = StringMatch.suffix(proto.getSuffixMatch(), false);
        break;
      case CONTAINS_MATCH:
        StringMatch.requireNonEmpty(proto.getContainsMatch(), fieldPath + ".contains_match");
        value = StringMatch.contains(proto.getContainsMatch(), false);
        break;
      case STRING_MATCH:
        value = StringMatch.compile(proto.getStringMatch(), fieldPath + ".string_match");
        break;
      default:
        throw new ConfigException(fieldPath, "unknown header_match_specifier");
    }
    return new HeaderMatch(name, Kind.VALUE, true, value, invert, missingAsEmpty);
  }

  private static StringMatch range(long start, long end) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        long parsed;
        try {
          parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
          return false;
        }
        return parsed >= start && parsed < end;
      }
    };
  }

  /** Matches when the header is present, whatever its value. */
  public static HeaderMatch present(String name) {
    return new HeaderMatch(
        name.toLowerCase(java.util.Locale.ROOT), Kind.PRESENT, true, null, false, false);
  }

  /** The lower-case header name this matcher reads. */
  public String name() {
    return name;
  }

  public boolean matches(HeaderSource headers) {
    String value = headers.joined(name);
    if (kind == Kind.PRESENT) {
      return ((value != null) == expectPresent) != invert;
    }
    if (value == null) {
      if (!treatMissingAsEmpty) {
        return false;
      }
      value = "";
    }
    return valueMatch.matches(value) != invert;
  }

  /** True when every matcher matches (an empty list matches). */
  public static boolean allMatch(List<HeaderMatch> matchers, HeaderSource headers) {
    for (int i = 0; i < matchers.size(); i++) {
      if (!matchers.get(i).matches(headers)) {
        return false;
      }
    }
    return true;
  }

  /** True when at least one matcher matches (an empty list does not). */
  public static boolean anyMatch(List<HeaderMatch> matchers, HeaderSource headers) {
    for (int i = 0; i < matchers.size(); i++) {
      if (matchers.get(i).matches(headers)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "header(" + name + ")";
  }
}
