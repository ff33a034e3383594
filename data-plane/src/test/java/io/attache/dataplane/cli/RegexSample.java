package io.attache.dataplane.cli;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A string a simple RE2 pattern matches in full, so the census's behaviour check can send a request
 * to a regex route (or with a regex header, query or SAN): literals, escapes, classes, groups,
 * alternation (the first branch) and quantifiers (their least count). The sample is checked against
 * the pattern before it is returned; a pattern it cannot sample honestly gives {@code null}, never
 * a guess.
 */
final class RegexSample {
  /** What a character class is tried with, first match wins. */
  private static final String CLASS_CANDIDATES = "a0A-_./~zZ9xX";

  private final String re;
  private int at;

  private RegexSample(String re) {
    this.re = re;
  }

  /** A string {@code regex} matches in full, or {@code null}. */
  static String of(String regex) {
    RegexSample parser = new RegexSample(regex);
    String sample;
    try {
      sample = parser.alternation();
      if (parser.at != regex.length()) {
        return null;
      }
      return Pattern.matches(regex, sample) ? sample : null;
    } catch (IllegalArgumentException | IndexOutOfBoundsException cannot) {
      return null;
    }
  }

  private String alternation() {
    String first = sequence();
    while (at < re.length() && re.charAt(at) == '|') {
      at++;
      sequence();
    }
    return first;
  }

  private String sequence() {
    StringBuilder out = new StringBuilder();
    while (at < re.length() && re.charAt(at) != '|' && re.charAt(at) != ')') {
      String atom = atom();
      out.append(atom.repeat(leastCount()));
    }
    return out.toString();
  }

  private String atom() {
    char c = re.charAt(at++);
    switch (c) {
      case '^', '$':
        return "";
      case '.':
        return "."; // any character; a dot keeps host-like samples readable
      case '(':
        if (re.startsWith("?:", at)) {
          at += 2;
        } else if (re.startsWith("?P<", at) || re.startsWith("?<", at)) {
          at = re.indexOf('>', at) + 1;
        } else if (re.charAt(at) == '?') {
          throw new IllegalArgumentException("flags");
        }
        String inner = alternation();
        if (re.charAt(at++) != ')') {
          throw new IllegalArgumentException("unclosed group");
        }
        return inner;
      case '[':
        return characterClass();
      case '\\':
        return escape(re.charAt(at++));
      case '*', '+', '?', '{', ')':
        throw new IllegalArgumentException("misplaced " + c);
      default:
        return String.valueOf(c);
    }
  }

  private static String escape(char c) {
    return switch (c) {
      case 'd' -> "1";
      case 'w', 'D', 'S' -> "a";
      case 's' -> " ";
      case 'W' -> "-";
      case 'b', 'B', 'A', 'z' -> "";
      default -> {
        if (Character.isLetterOrDigit(c)) {
          throw new IllegalArgumentException("escape \\" + c);
        }
        yield String.valueOf(c);
      }
    };
  }

  private String characterClass() {
    int start = at;
    if (re.charAt(at) == '^') {
      at++;
    }
    if (re.charAt(at) == ']') {
      at++;
    }
    while (re.charAt(at) != ']') {
      at += re.charAt(at) == '\\' ? 2 : 1;
    }
    Pattern cls;
    try {
      cls = Pattern.compile("[" + re.substring(start, at) + "]");
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(e);
    }
    at++;
    for (char candidate : CLASS_CANDIDATES.toCharArray()) {
      if (cls.matcher(String.valueOf(candidate)).matches()) {
        return String.valueOf(candidate);
      }
    }
    throw new IllegalArgumentException("no candidate for a class");
  }

  /** The quantifier after an atom, read and turned into its least count (1 when none). */
  private int leastCount() {
    if (at >= re.length()) {
      return 1;
    }
    int count;
    switch (re.charAt(at)) {
      case '*', '?' -> {
        at++;
        count = 0;
      }
      case '+' -> {
        at++;
        count = 1;
      }
      case '{' -> {
        int close = re.indexOf('}', at);
        String bounds = re.substring(at + 1, close);
        count = Integer.parseInt(bounds.split(",", -1)[0]);
        at = close + 1;
      }
      default -> {
        return 1;
      }
    }
    if (at < re.length() && re.charAt(at) == '?') {
      at++; // lazy: the same least count
    }
    return count;
  }
}
