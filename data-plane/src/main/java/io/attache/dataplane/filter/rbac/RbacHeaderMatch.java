package io.attache.dataplane.filter.rbac;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.router.StringMatch;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Locale;

/**
 * A {@code config.route.v3.HeaderMatcher} inside an RBAC permission or principal, with Envoy's
 * header-matching rules: several values are joined with {@code ","}; a missing header fails every
 * value matcher (even an inverted one) unless {@code treat_missing_header_as_empty}; presence
 * matchers are inverted by {@code invert_match}. Immutable.
 */
final class RbacHeaderMatch implements RbacMatcher {
  private final String name;
  private final StringMatch value; // null: a presence matcher
  private final boolean expectPresent;
  private final boolean invert;
  private final boolean treatMissingAsEmpty;

  private RbacHeaderMatch(
      String name,
      StringMatch value,
      boolean expectPresent,
      boolean invert,
      boolean treatMissingAsEmpty) {
    this.name = name;
    this.value = value;
    this.expectPresent = expectPresent;
    this.invert = invert;
    this.treatMissingAsEmpty = treatMissingAsEmpty;
  }

  @SuppressWarnings("deprecation") // the *_match shortcuts are still part of the v3 API
  static RbacHeaderMatch compile(HeaderMatcher proto, String fieldPath) throws ConfigException {
    String name = proto.getName().toLowerCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new ConfigException(fieldPath + ".name", "header name must not be empty");
    }
    boolean invert = proto.getInvertMatch();
    boolean missingAsEmpty = proto.getTreatMissingHeaderAsEmpty();
    StringMatch value;
    switch (proto.getHeaderMatchSpecifierCase()) {
      case PRESENT_MATCH:
        return new RbacHeaderMatch(name, null, proto.getPresentMatch(), invert, missingAsEmpty);
      case HEADERMATCHSPECIFIER_NOT_SET:
        return new RbacHeaderMatch(name, null, true, invert, missingAsEmpty);
      case EXACT_MATCH:
        // The legacy exact_match treats an empty expected value as "any value".
        value =
            proto.getExactMatch().isEmpty()
                ? ANY_VALUE
                : compile(
                    StringMatcher.newBuilder().setExact(proto.getExactMatch()).build(),
                    fieldPath + ".exact_match");
        break;
      case PREFIX_MATCH:
        value =
            compile(
                StringMatcher.newBuilder().setPrefix(proto.getPrefixMatch()).build(),
                fieldPath + ".prefix_match");
        break;
      case SUFFIX_MATCH:
        value =
            compile(
                StringMatcher.newBuilder().setSuffix(proto.getSuffixMatch()).build(),
                fieldPath + ".suffix_match");
        break;
      case CONTAINS_MATCH:
        value =
            compile(
                StringMatcher.newBuilder().setContains(proto.getContainsMatch()).build(),
                fieldPath + ".contains_match");
        break;
      case SAFE_REGEX_MATCH:
        value =
            compile(
                StringMatcher.newBuilder().setSafeRegex(proto.getSafeRegexMatch()).build(),
                fieldPath + ".safe_regex_match");
        break;
      case RANGE_MATCH:
        value = range(proto.getRangeMatch().getStart(), proto.getRangeMatch().getEnd());
        break;
      case STRING_MATCH:
        value = StringMatch.compile(proto.getStringMatch(), fieldPath + ".string_match");
        break;
      default:
        throw new ConfigException(fieldPath, "unknown header_match_specifier");
    }
    return new RbacHeaderMatch(name, value, true, invert, missingAsEmpty);
  }

  /**
   * Compiles a legacy {@code *_match} shortcut through the shared string matcher, keeping the error
   * path on the shortcut field the user wrote rather than on the synthetic StringMatcher.
   */
  private static StringMatch compile(StringMatcher synthetic, String fieldPath)
      throws ConfigException {
    try {
      return StringMatch.compile(synthetic, "");
    } catch (ConfigException e) {
      String detail = e.getMessage();
      int colon = detail.indexOf(": ");
      throw new ConfigException(fieldPath, colon < 0 ? detail : detail.substring(colon + 2));
    }
  }

  private static final StringMatch ANY_VALUE =
      new StringMatch() {
        @Override
        public boolean matches(String value) {
          return true;
        }
      };

  private static StringMatch range(long start, long end) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        try {
          long parsed = Long.parseLong(value);
          return parsed >= start && parsed < end;
        } catch (NumberFormatException e) {
          return false;
        }
      }
    };
  }

  @Override
  public boolean matches(RbacRequest request) {
    String actual = request.headerValue(name);
    if (value == null) {
      return ((actual != null) == expectPresent) != invert;
    }
    if (actual == null) {
      if (!treatMissingAsEmpty) {
        return false;
      }
      actual = "";
    }
    return value.matches(actual) != invert;
  }

  @Override
  public String toString() {
    return "header(" + name + ")";
  }
}
