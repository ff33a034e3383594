package io.attache.dataplane.retry;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.router.StringMatch;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * A compiled {@code config.route.v3.HeaderMatcher} for {@code retriable_headers} and {@code
 * retriable_request_headers}, with Envoy's meaning: values joined with {@code ","}; a missing
 * header fails every value matcher (even inverted) unless {@code treat_missing_header_as_empty};
 * {@code present_match} compares presence and is then inverted by {@code invert_match}.
 *
 * <p>The router's matcher is package-private, so this is the subset retries need: presence, exact,
 * prefix, suffix, contains, {@code string_match} (without {@code safe_regex}) and range. Regular
 * expressions are rejected rather than matched with a different dialect than Envoy's RE2.
 * Immutable.
 */
public final class RetryHeaderMatcher {
  private final String name;
  private final boolean presenceOnly;
  private final boolean expectPresent;
  private final Predicate<String> value;
  private final boolean invert;
  private final boolean treatMissingAsEmpty;

  private RetryHeaderMatcher(
      String name,
      boolean presenceOnly,
      boolean expectPresent,
      Predicate<String> value,
      boolean invert,
      boolean treatMissingAsEmpty) {
    this.name = name;
    this.presenceOnly = presenceOnly;
    this.expectPresent = expectPresent;
    this.value = value;
    this.invert = invert;
    this.treatMissingAsEmpty = treatMissingAsEmpty;
  }

  /**
   * Matches when the header is present, whatever its value ({@code
   * x-envoy-retriable-header-names}).
   */
  static RetryHeaderMatcher present(String name) {
    return new RetryHeaderMatcher(name.toLowerCase(Locale.ROOT), true, true, null, false, false);
  }

  static List<RetryHeaderMatcher> compileAll(List<HeaderMatcher> protos, String fieldPath)
      throws ConfigException {
    List<RetryHeaderMatcher> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      out.add(compile(protos.get(i), fieldPath + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  @SuppressWarnings("deprecation") // the *_match fields are deprecated but still in the v3 API
  static RetryHeaderMatcher compile(HeaderMatcher proto, String fieldPath) throws ConfigException {
    String name = proto.getName().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(fieldPath + ".name", "header name must not be empty");
    }
    boolean invert = proto.getInvertMatch();
    boolean missingAsEmpty = proto.getTreatMissingHeaderAsEmpty();
    Predicate<String> value;
    switch (proto.getHeaderMatchSpecifierCase()) {
      case PRESENT_MATCH:
        return new RetryHeaderMatcher(
            name, true, proto.getPresentMatch(), null, invert, missingAsEmpty);
      case HEADERMATCHSPECIFIER_NOT_SET:
        // No specifier: Envoy matches on presence.
        return new RetryHeaderMatcher(name, true, true, null, invert, missingAsEmpty);
      case EXACT_MATCH:
        String exact = proto.getExactMatch();
        // Envoy's legacy exact match treats an empty expected value as "any value".
        value = exact.isEmpty() ? v -> true : exact::equals;
        break;
      case PREFIX_MATCH:
        value = prefix(nonEmpty(proto.getPrefixMatch(), fieldPath + ".prefix_match"), false);
        break;
      case SUFFIX_MATCH:
        value = suffix(nonEmpty(proto.getSuffixMatch(), fieldPath + ".suffix_match"), false);
        break;
      case CONTAINS_MATCH:
        value = contains(nonEmpty(proto.getContainsMatch(), fieldPath + ".contains_match"), false);
        break;
      case RANGE_MATCH:
        long start = proto.getRangeMatch().getStart();
        long end = proto.getRangeMatch().getEnd();
        value = v -> inRange(v, start, end);
        break;
      case STRING_MATCH:
        value = stringMatch(proto.getStringMatch(), fieldPath + ".string_match");
        break;
      case SAFE_REGEX_MATCH:
        value =
            StringMatch.compile(
                    StringMatcher.newBuilder().setSafeRegex(proto.getSafeRegexMatch()).build(),
                    fieldPath + ".safe_regex_match")
                ::matches;
        break;
      default:
        throw new ConfigException(fieldPath, "unsupported header_match_specifier");
    }
    return new RetryHeaderMatcher(name, false, true, value, invert, missingAsEmpty);
  }

  /** The router's string matcher (RE2-checked regexes included), so both agree on semantics. */
  private static Predicate<String> stringMatch(StringMatcher proto, String fieldPath)
      throws ConfigException {
    return StringMatch.compile(proto, fieldPath)::matches;
  }

  private static String nonEmpty(String value, String fieldPath) throws ConfigException {
    if (value.isEmpty()) {
      throw new ConfigException(fieldPath, "must not be empty");
    }
    return value;
  }

  private static Predicate<String> prefix(String prefix, boolean ignoreCase) {
    return v -> v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
  }

  private static Predicate<String> suffix(String suffix, boolean ignoreCase) {
    return v -> {
      int offset = v.length() - suffix.length();
      return offset >= 0 && v.regionMatches(ignoreCase, offset, suffix, 0, suffix.length());
    };
  }

  private static Predicate<String> contains(String part, boolean ignoreCase) {
    if (!ignoreCase) {
      return v -> v.contains(part);
    }
    return v -> {
      for (int i = 0; i + part.length() <= v.length(); i++) {
        if (v.regionMatches(true, i, part, 0, part.length())) {
          return true;
        }
      }
      return false;
    };
  }

  private static boolean inRange(String value, long start, long end) {
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      return false;
    }
    return parsed >= start && parsed < end;
  }

  boolean matches(HeaderView headers) {
    String v = headers.joined(name);
    if (presenceOnly) {
      return ((v != null) == expectPresent) != invert;
    }
    if (v == null) {
      if (!treatMissingAsEmpty) {
        return false;
      }
      v = "";
    }
    return value.test(v) != invert;
  }

  static boolean anyMatches(List<RetryHeaderMatcher> matchers, HeaderView headers) {
    for (int i = 0; i < matchers.size(); i++) {
      if (matchers.get(i).matches(headers)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "RetryHeaderMatcher[" + name + "]";
  }
}
