package io.attache.dataplane.filter.fault;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One {@code HTTPFault.headers} entry ({@code config.route.v3.HeaderMatcher}) with Envoy's
 * semantics: several values of a header are joined with {@code ","}; a missing header fails every
 * value matcher (even inverted) unless {@code treat_missing_header_as_empty}; {@code present_match}
 * tests presence and is then inverted by {@code invert_match}. The pseudo-headers {@code :method},
 * {@code :path} and {@code :authority} are read from the request line and Host header. Immutable.
 */
final class FaultHeaderMatcher {
  private final String name;
  private final Predicate<String> valueMatch; // null for a presence matcher
  private final boolean expectPresent;
  private final boolean invert;
  private final boolean treatMissingAsEmpty;

  private FaultHeaderMatcher(
      String name,
      Predicate<String> valueMatch,
      boolean expectPresent,
      boolean invert,
      boolean treatMissingAsEmpty) {
    this.name = name;
    this.valueMatch = valueMatch;
    this.expectPresent = expectPresent;
    this.invert = invert;
    this.treatMissingAsEmpty = treatMissingAsEmpty;
  }

  static List<FaultHeaderMatcher> compileAll(List<HeaderMatcher> protos, String fieldPath)
      throws ConfigException {
    List<FaultHeaderMatcher> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      out.add(compile(protos.get(i), fieldPath + "[" + i + "]"));
    }
    return List.copyOf(out);
  }

  @SuppressWarnings("deprecation") // the *_match shortcuts are still part of the v3 API
  static FaultHeaderMatcher compile(HeaderMatcher proto, String fieldPath) throws ConfigException {
    String name = proto.getName().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(fieldPath + ".name", "header name must not be empty");
    }
    if (name.startsWith(":")
        && !name.equals(":method")
        && !name.equals(":path")
        && !name.equals(":authority")) {
      throw new ConfigException(
          fieldPath + ".name",
          "pseudo-header "
              + name
              + " is not visible to the fault filter (only :method, :path, :authority are)");
    }
    boolean invert = proto.getInvertMatch();
    boolean missingAsEmpty = proto.getTreatMissingHeaderAsEmpty();
    Predicate<String> value;
    switch (proto.getHeaderMatchSpecifierCase()) {
      case PRESENT_MATCH:
        return new FaultHeaderMatcher(name, null, proto.getPresentMatch(), invert, missingAsEmpty);
      case HEADERMATCHSPECIFIER_NOT_SET:
        return new FaultHeaderMatcher(name, null, true, invert, missingAsEmpty);
      case EXACT_MATCH:
        String exact = proto.getExactMatch();
        // The legacy exact_match treats an empty expected value as "any value".
        value = exact.isEmpty() ? v -> true : exact::equals;
        break;
      case PREFIX_MATCH:
        value = prefix(nonEmpty(proto.getPrefixMatch(), fieldPath + ".prefix_match"));
        break;
      case SUFFIX_MATCH:
        nonEmpty(proto.getSuffixMatch(), fieldPath + ".suffix_match");
        String suffix = proto.getSuffixMatch();
        value = v -> v.endsWith(suffix);
        break;
      case CONTAINS_MATCH:
        nonEmpty(proto.getContainsMatch(), fieldPath + ".contains_match");
        String contains = proto.getContainsMatch();
        value = v -> v.contains(contains);
        break;
      case SAFE_REGEX_MATCH:
        value = regex(proto.getSafeRegexMatch().getRegex(), fieldPath + ".safe_regex_match.regex");
        break;
      case RANGE_MATCH:
        long start = proto.getRangeMatch().getStart();
        long end = proto.getRangeMatch().getEnd();
        value = v -> inRange(v, start, end);
        break;
      case STRING_MATCH:
        value = stringMatcher(proto.getStringMatch(), fieldPath + ".string_match");
        break;
      default:
        throw new ConfigException(fieldPath, "unknown header_match_specifier");
    }
    return new FaultHeaderMatcher(name, value, true, invert, missingAsEmpty);
  }

  private static Predicate<String> prefix(String prefix) {
    return v -> v.startsWith(prefix);
  }

  private static String nonEmpty(String value, String fieldPath) throws ConfigException {
    if (value.isEmpty()) {
      throw new ConfigException(fieldPath, "must not be empty");
    }
    return value;
  }

  private static boolean inRange(String value, long start, long end) {
    try {
      long parsed = Long.parseLong(value);
      return parsed >= start && parsed < end;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static Predicate<String> regex(String regex, String fieldPath) throws ConfigException {
    try {
      Pattern pattern = Pattern.compile(regex);
      return v -> pattern.matcher(v).matches();
    } catch (PatternSyntaxException e) {
      throw new ConfigException(fieldPath, "invalid regex: " + e.getDescription());
    }
  }

  static Predicate<String> stringMatcher(StringMatcher proto, String fieldPath)
      throws ConfigException {
    boolean ignoreCase = proto.getIgnoreCase();
    switch (proto.getMatchPatternCase()) {
      case EXACT:
        String exact = proto.getExact();
        return ignoreCase ? exact::equalsIgnoreCase : exact::equals;
      case PREFIX:
        String prefix = nonEmpty(proto.getPrefix(), fieldPath + ".prefix");
        return v -> v.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
      case SUFFIX:
        String suffix = nonEmpty(proto.getSuffix(), fieldPath + ".suffix");
        return v ->
            v.length() >= suffix.length()
                && v.regionMatches(
                    ignoreCase, v.length() - suffix.length(), suffix, 0, suffix.length());
      case CONTAINS:
        String contains = nonEmpty(proto.getContains(), fieldPath + ".contains");
        if (!ignoreCase) {
          return v -> v.contains(contains);
        }
        String lowered = contains.toLowerCase(Locale.ROOT);
        return v -> v.toLowerCase(Locale.ROOT).contains(lowered);
      case SAFE_REGEX:
        // Envoy ignores ignore_case for safe_regex; so do we.
        return regex(proto.getSafeRegex().getRegex(), fieldPath + ".safe_regex.regex");
      case CUSTOM:
        throw new ConfigException(
            fieldPath + ".custom", "custom string matchers are not supported");
      default:
        throw new ConfigException(fieldPath, "one of exact, prefix, suffix, safe_regex, contains");
    }
  }

  boolean matches(HttpRequest request) {
    String value = valueOf(request);
    if (valueMatch == null) {
      return ((value != null) == expectPresent) != invert;
    }
    if (value == null) {
      if (!treatMissingAsEmpty) {
        return false;
      }
      value = "";
    }
    return valueMatch.test(value) != invert;
  }

  private String valueOf(HttpRequest request) {
    switch (name) {
      case ":method":
        return request.method().name();
      case ":path":
        return request.uri();
      case ":authority":
        return request.headers().get(HttpHeaderNames.HOST);
      default:
        List<String> values = request.headers().getAll(name);
        return values.isEmpty() ? null : String.join(",", values);
    }
  }

  static boolean allMatch(List<FaultHeaderMatcher> matchers, HttpRequest request) {
    for (FaultHeaderMatcher matcher : matchers) {
      if (!matcher.matches(request)) {
        return false;
      }
    }
    return true;
  }
}
