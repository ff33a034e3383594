package io.attache.logging;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An application-log line format in Envoy's terms: an spdlog pattern ({@code --log-format}, default
 * {@code [%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v}) or the bootstrap's {@code
 * application_log_config.log_format.json_format}, compiled once into parts. Envoy's own flags are
 * here too: {@code %j} (the message escaped for a JSON string) and {@code %_} (the message with
 * C-style escapes). Rendering is pure and thread-safe.
 *
 * <p>Where a JVM differs from Envoy: {@code %t} is the thread's name (more telling than a number in
 * Java), {@code %g}/{@code %s}/{@code %#}/{@code %!} are the calling class's source file, line and
 * method, found only when the format names them.
 */
public final class LogFormat {
  /** Envoy's default: {@code [%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v}. */
  public static final String ENVOY_DEFAULT = "[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v";

  private interface Part {
    void render(StringBuilder out, LogRecord record, ZonedDateTime time);
  }

  private final List<Part> parts;
  private final boolean needsCaller;
  private final ZoneId zone;

  private LogFormat(List<Part> parts, boolean needsCaller, ZoneId zone) {
    this.parts = parts;
    this.needsCaller = needsCaller;
    this.zone = zone;
  }

  /**
   * Compiles an spdlog pattern; {@code escaped} is Envoy's {@code --log-format-escaped} (C-style
   * escapes in {@code %v}, so a message is always one line).
   */
  public static LogFormat pattern(String pattern, boolean escaped) {
    return compile(pattern, escaped, false, ZoneId.systemDefault());
  }

  static LogFormat pattern(String pattern, boolean escaped, ZoneId zone) {
    return compile(pattern, escaped, false, zone);
  }

  /**
   * Envoy's {@code json_format}: one JSON object per line whose string values are patterns; every
   * flag's output is escaped for JSON ({@code %v} included), other values are printed as they are.
   */
  public static LogFormat json(Map<String, ?> struct) {
    StringBuilder pattern = new StringBuilder();
    appendJson(pattern, struct);
    return compile(pattern.toString(), false, true, ZoneId.systemDefault());
  }

  private static void appendJson(StringBuilder out, Object value) {
    if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append('"');
        appendEscapedLiteral(out, String.valueOf(e.getKey()));
        out.append("\":");
        appendJson(out, e.getValue());
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        appendJson(out, list.get(i));
      }
      out.append(']');
    } else if (value instanceof String s) {
      out.append('"').append(s.replace("\"", "%q")).append('"');
    } else if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      out.append(d.longValue());
    } else {
      out.append(value); // numbers, booleans, null as JSON writes them
    }
  }

  /** Keys are literal text: a '%' in one must not start a flag. */
  private static void appendEscapedLiteral(StringBuilder out, String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '%') {
        out.append("%%");
      } else if (c == '"') {
        out.append("%q");
      } else {
        out.append(c);
      }
    }
  }

  /** Whether rendering needs the caller's source location (found with a stack walk). */
  boolean needsCaller() {
    return needsCaller;
  }

  String render(LogRecord record) {
    ZonedDateTime time = ZonedDateTime.ofInstant(record.time(), zone);
    StringBuilder out = new StringBuilder(128);
    for (Part part : parts) {
      part.render(out, record, time);
    }
    return out.toString();
  }

  private static LogFormat compile(String pattern, boolean escaped, boolean json, ZoneId zone) {
    List<Part> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    boolean caller = false;
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c != '%' || i + 1 == pattern.length()) {
        literal.append(c);
        i++;
        continue;
      }
      int start = i;
      i++;
      // spdlog padding: %<align><width><!>flag, align '-' (left), '=' (centre), default right.
      char align = 'r';
      if (pattern.charAt(i) == '-' || pattern.charAt(i) == '=') {
        align = pattern.charAt(i) == '-' ? 'l' : 'c';
        i++;
      }
      int width = 0;
      while (i < pattern.length() && Character.isDigit(pattern.charAt(i))) {
        width = width * 10 + (pattern.charAt(i) - '0');
        i++;
      }
      boolean truncate = false;
      if (width > 0 && i < pattern.length() && pattern.charAt(i) == '!') {
        truncate = true;
        i++;
      }
      if (i >= pattern.length()) {
        literal.append(pattern, start, pattern.length());
        break;
      }
      char flag = pattern.charAt(i);
      i++;
      if (flag == '%') {
        literal.append('%');
        continue;
      }
      if (flag == 'q' && json) { // a quote inside a json_format key or value
        literal.append("\\\"");
        continue;
      }
      if (flag == '^' || flag == '$') {
        continue; // colour range markers: Attaché does not colour its logs
      }
      Flag renderer = flag(flag, escaped, json);
      if (renderer == null) {
        literal.append(pattern, start, i); // unknown flags print as written, as in spdlog
        continue;
      }
      caller |= "sg#!@".indexOf(flag) >= 0;
      if (!literal.isEmpty()) {
        String text = literal.toString();
        parts.add((out, r, t) -> out.append(text));
        literal.setLength(0);
      }
      parts.add(
          width == 0 && !json ? renderer::render : padded(renderer, width, align, truncate, json));
    }
    if (!literal.isEmpty()) {
      String text = literal.toString();
      parts.add((out, r, t) -> out.append(text));
    }
    return new LogFormat(List.copyOf(parts), caller, zone);
  }

  @FunctionalInterface
  private interface Flag {
    void render(StringBuilder out, LogRecord record, ZonedDateTime time);
  }

  private static Part padded(Flag flag, int width, char align, boolean truncate, boolean json) {
    return (out, record, time) -> {
      StringBuilder value = new StringBuilder();
      flag.render(value, record, time);
      if (truncate && value.length() > width) {
        value.setLength(width);
      }
      int pad = Math.max(0, width - value.length());
      int left = align == 'r' ? pad : align == 'c' ? pad / 2 : 0;
      out.append(" ".repeat(left));
      if (json) {
        appendJsonEscaped(out, value);
      } else {
        out.append(value);
      }
      out.append(" ".repeat(pad - left));
    };
  }

  private static Flag flag(char flag, boolean escaped, boolean json) {
    return switch (flag) {
      case 'v' ->
          json
              ? (out, r, t) -> out.append(r.message())
              : escaped
                  ? (out, r, t) -> appendCEscaped(out, r.message())
                  : (out, r, t) -> out.append(r.message());
      case 'j' ->
          json
              ? (out, r, t) -> out.append(r.message()) // every flag is escaped in JSON mode
              : (out, r, t) -> appendJsonEscaped(out, r.message());
      case '_' -> (out, r, t) -> appendCEscaped(out, r.message());
      case 't' -> (out, r, t) -> out.append(r.threadName());
      case 'P' -> (out, r, t) -> out.append(ProcessHandle.current().pid());
      case 'n' -> (out, r, t) -> out.append(r.component());
      case 'l' -> (out, r, t) -> out.append(r.level().envoyName());
      case 'L' -> (out, r, t) -> out.append(r.level().letter());
      case 'Y' -> (out, r, t) -> out.append(t.getYear());
      case 'y' -> (out, r, t) -> two(out, t.getYear() % 100);
      case 'm' -> (out, r, t) -> two(out, t.getMonthValue());
      case 'd' -> (out, r, t) -> two(out, t.getDayOfMonth());
      case 'H' -> (out, r, t) -> two(out, t.getHour());
      case 'I' -> (out, r, t) -> two(out, t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
      case 'M' -> (out, r, t) -> two(out, t.getMinute());
      case 'S' -> (out, r, t) -> two(out, t.getSecond());
      case 'p' -> (out, r, t) -> out.append(t.getHour() < 12 ? "AM" : "PM");
      case 'e' -> (out, r, t) -> pad(out, t.getNano() / 1_000_000, 3);
      case 'f' -> (out, r, t) -> pad(out, t.getNano() / 1_000, 6);
      case 'F' -> (out, r, t) -> pad(out, t.getNano(), 9);
      case 'E' -> (out, r, t) -> out.append(r.time().getEpochSecond());
      case 'T' ->
          (out, r, t) -> {
            two(out, t.getHour());
            out.append(':');
            two(out, t.getMinute());
            out.append(':');
            two(out, t.getSecond());
          };
      case 'R' ->
          (out, r, t) -> {
            two(out, t.getHour());
            out.append(':');
            two(out, t.getMinute());
          };
      case 'D' ->
          (out, r, t) -> {
            two(out, t.getMonthValue());
            out.append('/');
            two(out, t.getDayOfMonth());
            out.append('/');
            two(out, t.getYear() % 100);
          };
      case 'z' ->
          (out, r, t) -> {
            int seconds = t.getOffset().getTotalSeconds();
            out.append(seconds < 0 ? '-' : '+');
            two(out, Math.abs(seconds) / 3600);
            out.append(':');
            two(out, Math.abs(seconds) / 60 % 60);
          };
      case 'a' ->
          (out, r, t) ->
              out.append(
                  t.getDayOfWeek()
                      .getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.ROOT));
      case 'A' ->
          (out, r, t) ->
              out.append(
                  t.getDayOfWeek()
                      .getDisplayName(java.time.format.TextStyle.FULL, java.util.Locale.ROOT));
      case 'b', 'h' ->
          (out, r, t) ->
              out.append(
                  t.getMonth()
                      .getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.ROOT));
      case 'B' ->
          (out, r, t) ->
              out.append(
                  t.getMonth()
                      .getDisplayName(java.time.format.TextStyle.FULL, java.util.Locale.ROOT));
      case 'g' -> (out, r, t) -> out.append(sourcePath(r.caller()));
      case 's' -> (out, r, t) -> out.append(sourceFile(r.caller()));
      case '#' ->
          (out, r, t) ->
              out.append(r.caller() == null ? 0 : Math.max(0, r.caller().getLineNumber()));
      case '!' -> (out, r, t) -> out.append(r.caller() == null ? "" : r.caller().getMethodName());
      case '@' ->
          (out, r, t) -> {
            out.append(sourceFile(r.caller())).append(':');
            out.append(r.caller() == null ? 0 : Math.max(0, r.caller().getLineNumber()));
          };
      default -> null;
    };
  }

  /** Envoy's {@code %g}: a source path; here the calling class's file under its package path. */
  private static String sourcePath(StackTraceElement caller) {
    if (caller == null) {
      return "";
    }
    String className = caller.getClassName();
    int lastDot = className.lastIndexOf('.');
    String dir = lastDot < 0 ? "" : className.substring(0, lastDot).replace('.', '/') + "/";
    return dir + sourceFile(caller);
  }

  private static String sourceFile(StackTraceElement caller) {
    if (caller == null) {
      return "";
    }
    if (caller.getFileName() != null) {
      return caller.getFileName();
    }
    String className = caller.getClassName();
    int nested = className.indexOf('$');
    String outer = nested < 0 ? className : className.substring(0, nested);
    return outer.substring(outer.lastIndexOf('.') + 1) + ".java";
  }

  private static void two(StringBuilder out, int value) {
    pad(out, value, 2);
  }

  private static void pad(StringBuilder out, long value, int digits) {
    String s = Long.toString(value);
    for (int i = s.length(); i < digits; i++) {
      out.append('0');
    }
    out.append(s);
  }

  /** The escapes a JSON string needs; control characters as {@code \\u00XX}. */
  static void appendJsonEscaped(StringBuilder out, CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  /** C-style escapes, so a multi-line message (a stack trace) stays on one line. */
  static void appendCEscaped(StringBuilder out, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\\' -> out.append("\\\\");
        default -> out.append(c);
      }
    }
  }
}
