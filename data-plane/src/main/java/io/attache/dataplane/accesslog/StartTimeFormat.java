package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The strftime subset {@code %START_TIME(...)%} accepts, always in UTC as Envoy formats it, plus
 * Envoy's sub-second specifiers {@code %f}/{@code %3f}..{@code %9f} and absl's {@code %E3S}. The
 * default (no argument) is Envoy's {@code 2016-04-15T20:17:00.310Z}. Compiled once; formatting
 * allocates one string.
 */
final class StartTimeFormat {
  static final StartTimeFormat DEFAULT = defaultFormat();

  private interface Part {
    void append(StringBuilder out, ZonedDateTime t);
  }

  private final List<Part> parts;

  private StartTimeFormat(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  private static StartTimeFormat defaultFormat() {
    try {
      return compile("%Y-%m-%dT%H:%M:%E3SZ", "");
    } catch (ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  String format(Instant instant) {
    ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
    StringBuilder out = new StringBuilder(32);
    for (Part part : parts) {
      part.append(out, t);
    }
    return out.toString();
  }

  static StartTimeFormat compile(String pattern, String fieldPath) throws ConfigException {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c != '%') {
        literal.append(c);
        continue;
      }
      if (i + 1 >= pattern.length()) {
        throw new ConfigException(fieldPath, "START_TIME format ends with a lone '%'");
      }
      char spec = pattern.charAt(++i);
      int digits = -1;
      if (spec >= '1' && spec <= '9' && i + 1 < pattern.length() && pattern.charAt(i + 1) == 'f') {
        digits = spec - '0';
        spec = pattern.charAt(++i);
      } else if (spec == 'E'
          && i + 2 < pattern.length()
          && Character.isDigit(pattern.charAt(i + 1))
          && pattern.charAt(i + 2) == 'S') {
        digits = pattern.charAt(i + 1) - '0';
        i += 2;
        spec = 'S';
      }
      Part part = part(spec, digits, pattern, fieldPath);
      if (part instanceof Literal l) {
        literal.append(l.text());
        continue;
      }
      if (!literal.isEmpty()) {
        parts.add(new Literal(literal.toString()));
        literal.setLength(0);
      }
      parts.add(part);
    }
    if (!literal.isEmpty()) {
      parts.add(new Literal(literal.toString()));
    }
    return new StartTimeFormat(parts);
  }

  private record Literal(String text) implements Part {
    @Override
    public void append(StringBuilder out, ZonedDateTime t) {
      out.append(text);
    }
  }

  private static Part part(char spec, int digits, String pattern, String fieldPath)
      throws ConfigException {
    return switch (spec) {
      case 'Y' -> (out, t) -> out.append(t.getYear());
      case 'y' -> (out, t) -> pad(out, t.getYear() % 100, 2);
      case 'm' -> (out, t) -> pad(out, t.getMonthValue(), 2);
      case 'd' -> (out, t) -> pad(out, t.getDayOfMonth(), 2);
      case 'e' ->
          (out, t) -> out.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
      case 'H' -> (out, t) -> pad(out, t.getHour(), 2);
      case 'I' -> (out, t) -> pad(out, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2);
      case 'p' -> (out, t) -> out.append(t.getHour() < 12 ? "AM" : "PM");
      case 'M' -> (out, t) -> pad(out, t.getMinute(), 2);
      case 'S' ->
          digits < 0
              ? (out, t) -> pad(out, t.getSecond(), 2)
              : (out, t) -> {
                pad(out, t.getSecond(), 2);
                if (digits > 0) {
                  out.append('.');
                  fraction(out, t.getNano(), digits);
                }
              };
      case 'f' -> {
        int n = digits < 0 ? 9 : digits;
        yield (out, t) -> fraction(out, t.getNano(), n);
      }
      case 'j' -> (out, t) -> pad(out, t.getDayOfYear(), 3);
      case 'a' ->
          (out, t) -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
      case 'A' ->
          (out, t) -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
      case 'b', 'h' ->
          (out, t) -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
      case 'B' -> (out, t) -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
      case 's' -> (out, t) -> out.append(t.toEpochSecond());
      case 'z' -> new Literal("+0000");
      case 'Z' -> new Literal("UTC");
      case 'T' -> compileInner("%H:%M:%S", fieldPath);
      case 'F' -> compileInner("%Y-%m-%d", fieldPath);
      case 'D' -> compileInner("%m/%d/%y", fieldPath);
      case 'R' -> compileInner("%H:%M", fieldPath);
      case 'n' -> new Literal("\n");
      case 't' -> new Literal("\t");
      case '%' -> new Literal("%");
      default ->
          throw new ConfigException(
              fieldPath, "unsupported START_TIME specifier '%" + spec + "' in '" + pattern + "'");
    };
  }

  private static Part compileInner(String pattern, String fieldPath) throws ConfigException {
    StartTimeFormat inner = compile(pattern, fieldPath);
    return (out, t) -> {
      for (Part p : inner.parts) {
        p.append(out, t);
      }
    };
  }

  private static void pad(StringBuilder out, int value, int width) {
    String s = Integer.toString(value);
    for (int i = s.length(); i < width; i++) {
      out.append('0');
    }
    out.append(s);
  }

  private static void fraction(StringBuilder out, int nanos, int digits) {
    String s = Integer.toString(nanos);
    StringBuilder nine = new StringBuilder(9);
    for (int i = s.length(); i < 9; i++) {
      nine.append('0');
    }
    nine.append(s);
    out.append(nine, 0, digits);
  }
}
