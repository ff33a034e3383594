package io.attache.dataplane.http;

/**
 * Byte-level rules for header field names and values (RFC 9110 §5.1, §5.5), shared by the HTTP/1
 * scanner and the HTTP/2 path so both front doors reject the same bytes. Pure functions: never
 * allocates, never throws.
 */
public final class HeaderValidation {

  /** What is wrong with a header field, if anything. */
  public enum Verdict {
    VALID,
    INVALID_NAME,
    INVALID_VALUE
  }

  private static final boolean[] TCHAR = new boolean[256];
  private static final boolean[] FIELD_VALUE = new boolean[256];

  static {
    for (int c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 'a' + 'A'] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
    // field-vchar = VCHAR / obs-text, plus SP and HTAB inside the value. Every other CTL (NUL, CR,
    // LF, ...) and DEL is invalid: a downstream parser could split or truncate on them.
    FIELD_VALUE['\t'] = true;
    for (int c = 0x20; c <= 0x7e; c++) {
      FIELD_VALUE[c] = true;
    }
    for (int c = 0x80; c <= 0xff; c++) {
      FIELD_VALUE[c] = true;
    }
  }

  private HeaderValidation() {}

  /** A token character (RFC 9110 §5.6.2): what header names and methods are made of. */
  public static boolean isTchar(int b) {
    return TCHAR[b & 0xff];
  }

  /** A byte allowed inside a field value (including SP and HTAB). */
  public static boolean isFieldValueByte(int b) {
    return FIELD_VALUE[b & 0xff];
  }

  /** A non-empty token: the only valid shape of a header name. */
  public static boolean isValidName(CharSequence name) {
    if (name.length() == 0) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c > 0xff || !TCHAR[c]) {
        return false;
      }
    }
    return true;
  }

  /**
   * A field value as it would be forwarded: no CTL except HTAB, and no leading or trailing
   * whitespace (the HTTP/1 parser trims that, and HTTP/2 forbids it, RFC 9113 §8.2.1).
   */
  public static boolean isValidValue(CharSequence value) {
    int length = value.length();
    if (length > 0 && (isWhitespace(value.charAt(0)) || isWhitespace(value.charAt(length - 1)))) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c > 0xff || !FIELD_VALUE[c]) {
        return false;
      }
    }
    return true;
  }

  /** Both checks at once, for callers that hold a whole field (HTTP/2 header blocks). */
  public static Verdict check(CharSequence name, CharSequence value) {
    if (!isValidName(name)) {
      return Verdict.INVALID_NAME;
    }
    return isValidValue(value) ? Verdict.VALID : Verdict.INVALID_VALUE;
  }

  /** Envoy's {@code headers_with_underscores_action} applies to names that contain '_'. */
  public static boolean hasUnderscore(CharSequence name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) == '_') {
        return true;
      }
    }
    return false;
  }

  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t';
  }
}
