package io.attache.dataplane.filter.fault;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.type.v3.FractionalPercent;

/**
 * A {@code type.v3.FractionalPercent} as the fault filter evaluates it: a request is selected when
 * a uniform draw in {@code [0, denominator)} falls below the numerator. An unset percentage is 0%
 * (Envoy's proto default), so a fault without {@code percentage} never fires. Immutable.
 */
record FaultPercentage(long numerator, long denominator) {
  static final FaultPercentage ZERO = new FaultPercentage(0, 100);

  static FaultPercentage from(boolean present, FractionalPercent proto, String fieldPath)
      throws ConfigException {
    if (!present) {
      return ZERO;
    }
    long denominator =
        switch (proto.getDenominator()) {
          case HUNDRED -> 100L;
          case TEN_THOUSAND -> 10_000L;
          case MILLION -> 1_000_000L;
          default ->
              throw new ConfigException(
                  fieldPath + ".denominator", "unknown denominator " + proto.getDenominatorValue());
        };
    return new FaultPercentage(Integer.toUnsignedLong(proto.getNumerator()), denominator);
  }

  /**
   * Envoy's header-controlled percentage: the header's numerator, capped by the configured one,
   * over the configured denominator.
   */
  FaultPercentage cappedAt(long headerNumerator) {
    return new FaultPercentage(Math.min(headerNumerator, numerator), denominator);
  }

  boolean selects(RandomSource random) {
    if (numerator == 0) {
      return false;
    }
    return random.nextLong(denominator) < numerator;
  }
}
