package io.attache.dataplane.tracing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * SkyWalking's cross-process propagation header {@code sw8} (protocol v3), parsed and written as
 * Envoy's SkyWalking tracer (cpp2sky) does: eight {@code -}-separated fields — sample flag ({@code
 * 0} or {@code 1}; either means "trace"), then base64 trace id, parent segment id, the parent span
 * id as a decimal integer, base64 parent service, parent instance, parent endpoint and the target
 * address the caller used. Immutable; anything else is refused whole (Envoy then traces nothing).
 */
record Sw8Header(
    String traceId,
    String segmentId,
    int spanId,
    String service,
    String instance,
    String endpoint,
    String targetAddress) {
  static final String NAME = "sw8";
  private static final int FIELDS = 8;

  /** The header's context, or empty when it is not a well-formed {@code sw8} value. */
  static Optional<Sw8Header> parse(String value) {
    String[] fields = value.split("-", -1);
    if (fields.length != FIELDS || !(fields[0].equals("0") || fields[0].equals("1"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new Sw8Header(
              decode(fields[1]),
              decode(fields[2]),
              Integer.parseInt(fields[3]),
              decode(fields[4]),
              decode(fields[5]),
              decode(fields[6]),
              decode(fields[7])));
    } catch (IllegalArgumentException malformed) {
      return Optional.empty();
    }
  }

  /** The header value; the sample flag is always {@code 1}, as Envoy always asks OAP to keep it. */
  String encode() {
    return "1-"
        + encode(traceId)
        + "-"
        + encode(segmentId)
        + "-"
        + spanId
        + "-"
        + encode(service)
        + "-"
        + encode(instance)
        + "-"
        + encode(endpoint)
        + "-"
        + encode(targetAddress);
  }

  private static String encode(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }

  /** Base64 with or without padding, as cpp2sky's decoder accepts. */
  private static String decode(String value) {
    String padded = value;
    while (padded.length() % 4 != 0) {
      padded = padded + "=";
    }
    return new String(Base64.getDecoder().decode(padded), StandardCharsets.UTF_8);
  }
}
