package io.attache.dataplane.headercase;

/**
 * Decides the wire case of an HTTP/1.1 header name: Envoy's {@code HeaderKeyFormatter}. It is given
 * the name in lower case, as Envoy holds every header name, and returns what the codec writes. A
 * stateful formatter (preserve case) may also carry the reason phrase to write on a response.
 */
public interface KeyFormatter {
  /** Envoy's default: names go out in lower case, as they are held. */
  KeyFormatter LOWER_CASE = lowerCaseName -> lowerCaseName;

  /** Envoy's {@code proper_case_words}. */
  KeyFormatter PROPER_CASE_WORDS = KeyFormatter::properCaseWords;

  String format(String lowerCaseName);

  /** The reason phrase a stateful formatter forwards; empty for Envoy's standard phrase. */
  default String reasonPhrase() {
    return "";
  }

  /**
   * Envoy's {@code ProperCaseHeaderKeyFormatter}: the first letter and every letter that follows a
   * character which is neither a letter nor a digit go to upper case ({@code x-foo_bar} → {@code
   * X-Foo_Bar}, {@code a1b} → {@code A1b}).
   */
  static String properCaseWords(String name) {
    char[] out = null;
    boolean capitalize = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (capitalize && c >= 'a' && c <= 'z') {
        if (out == null) {
          out = name.toCharArray();
        }
        out[i] = (char) (c - ('a' - 'A'));
      }
      capitalize = !letter && !(c >= '0' && c <= '9');
    }
    return out == null ? name : new String(out);
  }
}
