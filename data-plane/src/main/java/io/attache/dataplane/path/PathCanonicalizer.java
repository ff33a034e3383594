package io.attache.dataplane.path;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * RFC 3986 path normalisation as Envoy's {@code normalize_path} does it (Chromium's URL path
 * canonicalizer): {@code .} and {@code ..} segments resolved (also spelled {@code %2e}, and a
 * literal {@code .}/{@code ..} followed by {@code ;}-parameters), {@code \} read as {@code /},
 * percent-escapes of unreserved characters decoded, characters that may not appear in a path
 * escaped, every other escape kept as written — {@code %2F} included, so an escaped slash is never
 * turned into a path separator here. An escaped NUL makes the path invalid. Pure and stateless.
 */
public final class PathCanonicalizer {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PathCanonicalizer() {}

  /**
   * The canonical form of {@code path}, which must start with {@code /} and hold no query; empty
   * when the path cannot be made valid.
   */
  public static Optional<String> canonicalize(String path) {
    List<String> segments = new ArrayList<>();
    boolean endsAtDirectory = false;
    int i = 1; // the leading slash
    int n = path.length();
    while (true) {
      int end = i;
      while (end < n && !isSeparator(path.charAt(end))) {
        end++;
      }
      String raw = path.substring(i, end);
      boolean last = end >= n;
      switch (dotSegment(raw)) {
        case CURRENT -> endsAtDirectory = last;
        case PARENT -> {
          if (!segments.isEmpty()) {
            segments.remove(segments.size() - 1);
          }
          endsAtDirectory = last;
        }
        case NONE -> {
          String canonical = canonicalSegment(raw);
          if (canonical == null) {
            return Optional.empty();
          }
          segments.add(canonical);
          endsAtDirectory = false;
        }
      }
      if (last) {
        break;
      }
      i = end + 1;
    }
    StringBuilder out = new StringBuilder(path.length() + 8);
    out.append('/').append(String.join("/", segments));
    if (endsAtDirectory && !segments.isEmpty()) {
      out.append('/');
    }
    return Optional.of(out.toString());
  }

  private static boolean isSeparator(char c) {
    return c == '/' || c == '\\';
  }

  private enum Dot {
    NONE,
    CURRENT,
    PARENT
  }

  /**
   * {@code .} or {@code ..}, each dot possibly {@code %2e}; or (as the 1.40 canonicalizer does) a
   * literal {@code .} or {@code ..} directly followed by {@code ;} and path parameters, which go
   * with it.
   */
  private static Dot dotSegment(String raw) {
    int semicolon = raw.indexOf(';');
    if (semicolon > 0) {
      String head = raw.substring(0, semicolon);
      return head.equals(".") ? Dot.CURRENT : head.equals("..") ? Dot.PARENT : Dot.NONE;
    }
    int dots = 0;
    int i = 0;
    while (i < raw.length()) {
      if (raw.charAt(i) == '.') {
        i++;
      } else if (raw.regionMatches(true, i, "%2e", 0, 3)) {
        i += 3;
      } else {
        return Dot.NONE;
      }
      dots++;
    }
    return dots == 1 ? Dot.CURRENT : dots == 2 ? Dot.PARENT : Dot.NONE;
  }

  /** One segment's characters canonicalised; null when it holds an escaped NUL. */
  private static String canonicalSegment(String raw) {
    StringBuilder out = null;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' && isHex(raw, i + 1) && isHex(raw, i + 2)) {
        int value =
            Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16);
        if (value == 0) {
          return null;
        }
        if (isUnreserved(value)) {
          out = begin(out, raw, i).append((char) value);
        } else if (out != null) {
          out.append(raw, i, i + 3);
        }
        i += 2;
      } else if (mustEscape(c)) {
        if (c == 0) {
          return null;
        }
        out = begin(out, raw, i);
        appendEscaped(out, c);
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? raw : out.toString();
  }

  private static boolean isHex(String s, int i) {
    return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
  }

  /** Starts the rewritten copy of {@code raw} at the first character that changes. */
  private static StringBuilder begin(StringBuilder out, String raw, int at) {
    if (out != null) {
      return out;
    }
    return new StringBuilder(raw.length() + 8).append(raw, 0, at);
  }

  /** RFC 3986 unreserved: what an escape may be decoded to without changing the meaning. */
  private static boolean isUnreserved(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  /**
   * Characters a path may not carry as they are (controls, space, {@code "#<>^`{|}}, non-ASCII).
   */
  private static boolean mustEscape(char c) {
    return c <= 0x20 || c >= 0x7f || c == '"' || c == '#' || c == '<' || c == '>' || c == '^'
        || c == '`' || c == '{' || c == '|' || c == '}';
  }

  /** A request line is read as ISO-8859-1, so each char is one byte of the original. */
  private static void appendEscaped(StringBuilder out, char c) {
    int b = c & 0xff;
    out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
  }
}
