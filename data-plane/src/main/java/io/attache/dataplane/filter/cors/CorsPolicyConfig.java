package io.attache.dataplane.filter.cors;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One route-level {@code envoy.extensions.filters.http.cors.v3.CorsPolicy} (a {@code
 * typed_per_filter_config} value), parsed once. Empty strings and empty optionals mean "unset": the
 * filter then takes the field from a less specific level, as Envoy merges CORS policies. Immutable.
 *
 * @param filterEnabled null when unset (the policy is enabled)
 * @param shadowEnabled null when unset (no shadow mode)
 */
record CorsPolicyConfig(
    List<StringMatch> allowOrigins,
    String allowMethods,
    String allowHeaders,
    String exposeHeaders,
    String maxAge,
    Optional<Boolean> allowCredentials,
    Optional<Boolean> allowPrivateNetworkAccess,
    Optional<Boolean> forwardNotMatchingPreflights,
    Fraction filterEnabled,
    Fraction shadowEnabled) {

  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy";

  static CorsPolicyConfig from(Any typedConfig, String path) throws ConfigException {
    CorsPolicy proto;
    try {
      proto = typedConfig.unpack(CorsPolicy.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a CorsPolicy: " + e.getMessage());
    }
    List<StringMatch> origins = new ArrayList<>(proto.getAllowOriginStringMatchCount());
    for (int i = 0; i < proto.getAllowOriginStringMatchCount(); i++) {
      origins.add(
          StringMatch.compile(
              proto.getAllowOriginStringMatch(i), path + ".allow_origin_string_match[" + i + "]"));
    }
    return new CorsPolicyConfig(
        List.copyOf(origins),
        proto.getAllowMethods(),
        proto.getAllowHeaders(),
        proto.getExposeHeaders(),
        proto.getMaxAge(),
        proto.hasAllowCredentials()
            ? Optional.of(proto.getAllowCredentials().getValue())
            : Optional.empty(),
        proto.hasAllowPrivateNetworkAccess()
            ? Optional.of(proto.getAllowPrivateNetworkAccess().getValue())
            : Optional.empty(),
        proto.hasForwardNotMatchingPreflights()
            ? Optional.of(proto.getForwardNotMatchingPreflights().getValue())
            : Optional.empty(),
        proto.hasFilterEnabled()
            ? Fraction.from(proto.getFilterEnabled(), path + ".filter_enabled")
            : null,
        proto.hasShadowEnabled()
            ? Fraction.from(proto.getShadowEnabled(), path + ".shadow_enabled")
            : null);
  }

  /** Envoy's {@code enabled()}: the drawn {@code filter_enabled}, true when unset. */
  boolean enabled(RandomSource random) {
    return filterEnabled == null || filterEnabled.selects(random);
  }

  /** Envoy's {@code shadowEnabled()}: the drawn {@code shadow_enabled}, false when unset. */
  boolean shadowEnabled(RandomSource random) {
    return shadowEnabled != null && shadowEnabled.selects(random);
  }

  /**
   * A {@code RuntimeFractionalPercent}'s {@code default_value}, drawn per request as Envoy's
   * runtime does ({@code random % denominator < numerator}); its {@code runtime_key} is not looked
   * up.
   */
  record Fraction(long numerator, long denominator) {
    static Fraction from(RuntimeFractionalPercent proto, String path) throws ConfigException {
      long denominator =
          switch (proto.getDefaultValue().getDenominator()) {
            case HUNDRED -> 100L;
            case TEN_THOUSAND -> 10_000L;
            case MILLION -> 1_000_000L;
            default ->
                throw new ConfigException(
                    path + ".default_value.denominator",
                    "unknown denominator " + proto.getDefaultValue().getDenominatorValue());
          };
      return new Fraction(
          Integer.toUnsignedLong(proto.getDefaultValue().getNumerator()), denominator);
    }

    boolean selects(RandomSource random) {
      if (numerator == 0) {
        return false;
      }
      return numerator >= denominator || random.nextLong(denominator) < numerator;
    }
  }
}
