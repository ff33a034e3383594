package io.attache.dataplane.admin;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Prints doubles exactly as Envoy's admin output does, so tools that diff or parse it see the same
 * text: fmt's {@code {}} (shortest round-trip, exponent outside [1e-4, 1e16)), {@code {:g}}
 * (printf's six significant digits), {@code {:.32g}} (Prometheus samples and bounds) and the JSON
 * streamer's {@code std::to_chars} (shortest round-trip, scientific only when shorter). Pure.
 */
final class EnvoyNumbers {
  private EnvoyNumbers() {}

  /** fmt's {@code {}}: {@code 105}, {@code 1.0571428571428572}, {@code nan}. */
  static String shortest(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return special(value);
    }
    if (value == 0) {
      return "0";
    }
    BigDecimal digits = shortestDigits(value);
    int exponent = digits.precision() - digits.scale() - 1;
    return exponent < -4 || exponent >= 16 ? scientific(digits) : plain(digits);
  }

  /** {@code std::to_chars} without a format: the shorter of plain and scientific, plain on ties. */
  static String json(double value) {
    if (value == 0) {
      return "0";
    }
    BigDecimal digits = shortestDigits(value);
    String plain = plain(digits);
    String scientific = scientific(digits);
    return scientific.length() < plain.length() ? scientific : plain;
  }

  /** printf's {@code %g}: six significant digits, exponent form below 1e-4 and from 1e6. */
  static String general(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return special(value);
    }
    return significant(value, 6);
  }

  /** fmt's {@code {:.32g}}: what Envoy's Prometheus output prints for sums, bounds, quantiles. */
  static String prometheus(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return special(value);
    }
    return significant(value, 32);
  }

  private static String significant(double value, int precision) {
    if (value == 0) {
      return "0";
    }
    BigDecimal rounded =
        new BigDecimal(value).round(new MathContext(precision, RoundingMode.HALF_EVEN));
    int exponent = rounded.precision() - rounded.scale() - 1;
    BigDecimal stripped = rounded.stripTrailingZeros();
    return exponent < -4 || exponent >= precision ? scientific(stripped) : plain(stripped);
  }

  /** The fewest decimal digits that read back as {@code value}, nearest to it. */
  private static BigDecimal shortestDigits(double value) {
    BigDecimal exact = new BigDecimal(value);
    for (int precision = 1; precision < 17; precision++) {
      BigDecimal candidate = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == value) {
        return candidate.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  private static String plain(BigDecimal digits) {
    String s = digits.stripTrailingZeros().toPlainString();
    return s;
  }

  /** C's exponent form: {@code 3e+05}, {@code 1.8e+06}, {@code 2.5e-07}. */
  private static String scientific(BigDecimal digits) {
    BigDecimal stripped = digits.stripTrailingZeros();
    String unscaled = stripped.unscaledValue().abs().toString();
    int exponent = stripped.precision() - stripped.scale() - 1;
    StringBuilder out = new StringBuilder();
    if (stripped.signum() < 0) {
      out.append('-');
    }
    out.append(unscaled.charAt(0));
    if (unscaled.length() > 1) {
      out.append('.').append(unscaled, 1, unscaled.length());
    }
    out.append('e').append(exponent < 0 ? '-' : '+');
    int abs = Math.abs(exponent);
    if (abs < 10) {
      out.append('0');
    }
    return out.append(abs).toString();
  }

  private static String special(double value) {
    if (Double.isNaN(value)) {
      return "nan";
    }
    return value > 0 ? "inf" : "-inf";
  }
}
