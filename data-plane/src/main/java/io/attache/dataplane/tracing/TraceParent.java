package io.attache.dataplane.tracing;

import java.util.Optional;

/**
 * A W3C Trace Context {@code traceparent} value: version, 32-hex trace id, 16-hex parent (span) id
 * and flags. Parsing follows the W3C processing model strictly: lowercase hex only, version {@code
 * ff} rejected, ids that are all zeros rejected, version 00 exactly 55 characters, later versions
 * read by their version-00 prefix. An unparseable value is never propagated. Immutable.
 */
public record TraceParent(String traceId, String parentId, int flags) {
  public static final String HEADER = "traceparent";
  private static final int LENGTH = 55;
  private static final int SAMPLED = 0x01;

  /** Parses a header value; empty when it is not a valid traceparent. */
  public static Optional<TraceParent> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.strip();
    if (v.length() < LENGTH) {
      return Optional.empty();
    }
    String version = v.substring(0, 2);
    if (!isLowerHex(version) || version.equals("ff")) {
      return Optional.empty();
    }
    if (version.equals("00")
        ? v.length() != LENGTH
        : v.length() > LENGTH && v.charAt(LENGTH) != '-') {
      return Optional.empty();
    }
    if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
      return Optional.empty();
    }
    String traceId = v.substring(3, 35);
    String parentId = v.substring(36, 52);
    String flags = v.substring(53, 55);
    if (!isLowerHex(traceId) || !isLowerHex(parentId) || !isLowerHex(flags)) {
      return Optional.empty();
    }
    if (isAllZeros(traceId) || isAllZeros(parentId)) {
      return Optional.empty();
    }
    return Optional.of(new TraceParent(traceId, parentId, Integer.parseInt(flags, 16)));
  }

  public boolean sampled() {
    return (flags & SAMPLED) != 0;
  }

  /** The version-00 header value for a span: {@code 00-<trace>-<span>-<01|00>}. */
  public static String format(String traceId, String spanId, boolean sampled) {
    return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
  }

  static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  static boolean isAllZeros(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
