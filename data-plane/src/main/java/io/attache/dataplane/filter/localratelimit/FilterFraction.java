package io.attache.dataplane.filter.localratelimit;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;

/**
 * A {@code filter_enabled} / {@code filter_enforced} fraction: its {@code default_value}, drawn per
 * request as Envoy's runtime does ({@code random % denominator < numerator}). Attaché has no
 * runtime layer, so {@code runtime_key} is not looked up and the default always applies — what
 * Envoy does when the key is unset. Immutable.
 */
record FilterFraction(long numerator, long denominator) {
  /** An absent fraction: Envoy's local rate limit filter then is neither enabled nor enforcing. */
  static final FilterFraction NEVER = new FilterFraction(0, 100);

  static FilterFraction from(boolean present, RuntimeFractionalPercent proto, String path)
      throws ConfigException {
    if (!present) {
      return NEVER;
    }
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
    return new FilterFraction(
        Integer.toUnsignedLong(proto.getDefaultValue().getNumerator()), denominator);
  }

  boolean selects(RandomSource random) {
    if (numerator == 0) {
      return false;
    }
    return numerator >= denominator || random.nextLong(denominator) < numerator;
  }
}
