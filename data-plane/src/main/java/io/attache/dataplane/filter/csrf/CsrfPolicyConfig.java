package io.attache.dataplane.filter.csrf;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.csrf.v3.CsrfPolicy;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code envoy.extensions.filters.http.csrf.v3.CsrfPolicy}, the filter's own or a route's or
 * virtual host's ({@code typed_per_filter_config}), parsed once. The most specific level's policy
 * replaces the filter's whole, as in Envoy (no field-by-field merge). Immutable.
 *
 * @param filterEnabled {@code filter_enabled} (required): enforce, drawn per request
 * @param shadowEnabled {@code shadow_enabled}, null when unset (no shadow mode)
 * @param additionalOrigins origins accepted besides the request's own
 */
record CsrfPolicyConfig(
    Fraction filterEnabled, Fraction shadowEnabled, List<StringMatch> additionalOrigins) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy";

  static CsrfPolicyConfig from(Any typedConfig, String path) throws ConfigException {
    CsrfPolicy proto;
    try {
      proto = typedConfig.unpack(CsrfPolicy.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a CsrfPolicy: " + e.getMessage());
    }
    if (!proto.hasFilterEnabled()) {
      throw new ConfigException(path + ".filter_enabled", "is required");
    }
    List<StringMatch> origins = new ArrayList<>(proto.getAdditionalOriginsCount());
    for (int i = 0; i < proto.getAdditionalOriginsCount(); i++) {
      origins.add(
          StringMatch.compile(
              proto.getAdditionalOrigins(i), path + ".additional_origins[" + i + "]"));
    }
    return new CsrfPolicyConfig(
        Fraction.from(proto.getFilterEnabled(), path + ".filter_enabled"),
        proto.hasShadowEnabled()
            ? Fraction.from(proto.getShadowEnabled(), path + ".shadow_enabled")
            : null,
        List.copyOf(origins));
  }

  /** Envoy's {@code enabled()}: {@code filter_enabled} drawn. */
  boolean enabled(Runtime runtime, RandomSource random) {
    return filterEnabled.selects(runtime, random);
  }

  /** Envoy's {@code shadowEnabled()}: {@code shadow_enabled} drawn, false when unset. */
  boolean shadowEnabled(Runtime runtime, RandomSource random) {
    return shadowEnabled != null && shadowEnabled.selects(runtime, random);
  }

  /**
   * A {@code RuntimeFractionalPercent}: Envoy's {@code featureEnabled(runtime_key, default_value)},
   * the runtime key's value read per request (a fractional percent, or an integer read as a
   * percent), else the default; one random draw, enabled when {@code draw % denominator <
   * numerator}.
   */
  record Fraction(String runtimeKey, FractionalPercent defaultValue) {
    static Fraction from(RuntimeFractionalPercent proto, String path) throws ConfigException {
      if (!proto.hasDefaultValue()) {
        throw new ConfigException(path + ".default_value", "is required");
      }
      if (proto.getDefaultValue().getDenominator()
          == FractionalPercent.DenominatorType.UNRECOGNIZED) {
        throw new ConfigException(
            path + ".default_value.denominator",
            "unknown denominator " + proto.getDefaultValue().getDenominatorValue());
      }
      return new Fraction(proto.getRuntimeKey(), proto.getDefaultValue());
    }

    boolean selects(Runtime runtime, RandomSource random) {
      FractionalPercent percent =
          runtimeKey.isEmpty()
              ? defaultValue
              : runtime.snapshot().fractionalPercent(runtimeKey, defaultValue);
      long numerator = Integer.toUnsignedLong(percent.getNumerator());
      if (numerator == 0) {
        return false;
      }
      long denominator =
          switch (percent.getDenominator()) {
            case TEN_THOUSAND -> 10_000L;
            case MILLION -> 1_000_000L;
            default -> 100L;
          };
      return numerator >= denominator || random.nextLong(denominator) < numerator;
    }
  }
}
