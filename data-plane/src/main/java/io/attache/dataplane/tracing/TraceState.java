package io.attache.dataplane.tracing;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * W3C {@code tracestate} validation. Several header lines are one list joined by commas; empty list
 * members are allowed and dropped. A list with an invalid member, a duplicate key or more than 32
 * members is discarded as a whole (the W3C processing model says not to propagate what could not be
 * parsed). Stateless.
 */
public final class TraceState {
  public static final String HEADER = "tracestate";
  private static final int MAX_MEMBERS = 32;
  private static final Pattern KEY =
      Pattern.compile(
          "[a-z][a-z0-9_\\-*/]{0,255}|[a-z0-9][a-z0-9_\\-*/]{0,240}@[a-z][a-z0-9_\\-*/]{0,13}");
  private static final Pattern VALUE =
      Pattern.compile(
          "[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]");

  private TraceState() {}

  /** The normalised list (members joined by {@code ","}), empty when absent or invalid. */
  public static Optional<String> parse(List<String> headerValues) {
    if (headerValues.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder();
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (String line : headerValues) {
      for (String rawMember : line.split(",", -1)) {
        String member = rawMember.strip();
        if (member.isEmpty()) {
          continue;
        }
        int eq = member.indexOf('=');
        if (eq <= 0) {
          return Optional.empty();
        }
        String key = member.substring(0, eq);
        String value = member.substring(eq + 1);
        if (!KEY.matcher(key).matches() || !VALUE.matcher(value).matches() || !keys.add(key)) {
          return Optional.empty();
        }
        if (keys.size() > MAX_MEMBERS) {
          return Optional.empty();
        }
        if (out.length() > 0) {
          out.append(',');
        }
        out.append(key).append('=').append(value);
      }
    }
    return out.length() == 0 ? Optional.empty() : Optional.of(out.toString());
  }
}
