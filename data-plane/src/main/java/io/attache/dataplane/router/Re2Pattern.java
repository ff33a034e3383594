package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A regular expression written in Envoy's RE2 dialect, validated and translated once into a
 * compiled {@link java.util.regex.Pattern}. Only constructs RE2 accepts are accepted, so a config
 * this proxy loads is one Envoy loads too. Compilation happens only at config time; the request
 * path only matches.
 *
 * <p>Where RE2 and java.util.regex differ, and what is done about it:
 *
 * <ul>
 *   <li>Backreferences ({@code \1}, {@code \k<n>}), lookahead/lookbehind, atomic groups,
 *       possessive quantifiers, comments {@code (?#...)}, and Java-only escapes ({@code \G \Z \R \X
 *       \h \H \V \e \c \N}, backslash-u) do not exist in RE2: rejected.
 *   <li>{@code .} and {@code $}: Java treats {@code \r}, U+0085, U+2028 and U+2029 as line ends;
 *       RE2 only {@code \n}. Compiled with {@link Pattern#UNIX_LINES} so both agree.
 *   <li>{@code (?i)}: RE2 folds Unicode case; compiled with {@link Pattern#UNICODE_CASE}.
 *   <li>{@code (?U)} means "ungreedy" in RE2 but "Unicode classes" in Java: rejected (rare).
 *   <li>{@code \v} is the vertical-tab character in RE2 but a class in Java: translated to {@code
 *       \x0B}.
 *   <li>Inside a character class, {@code [} and {@code &&} are literals in RE2 but nesting and
 *       intersection in Java: escaped. POSIX classes {@code [[:alpha:]]} are translated to Java's
 *       {@code \p{Alpha}}.
 *   <li>Named groups {@code (?P<name>...)} / {@code (?<name>...)} become plain capturing groups
 *       (same numbering; Java's name syntax is narrower).
 *   <li>{@code \pN}/{@code \p{Greek}}: RE2 knows general categories and scripts; scripts are
 *       translated to Java's {@code \p{IsGreek}}; other names (Java's POSIX/java* names) rejected.
 *   <li>Repetition counts above 1000 are rejected, as RE2 does. A {@code {} that does not start a
 *       valid repetition is a literal in RE2 and is escaped for Java.
 *   <li>Octal escapes other than {@code \0...} are rejected (RE2 reads {@code \1} as octal only in
 *       some positions; Java as a backreference).
 *   <li>Java's backtracking engine is not linear-time like RE2; route regexes come from the
 *       control plane (trusted), and matching is bounded by the request line length.
 * </ul>
 */
final class Re2Pattern {
  private static final AtomicLong COMPILATIONS = new AtomicLong();
  private static final int RE2_MAX_REPEAT = 1000;

  private final String regex;
  private final Pattern pattern;

  private Re2Pattern(String regex, Pattern pattern) {
    this.regex = regex;
    this.pattern = pattern;
  }

  /** How many patterns have been compiled in this JVM; tests assert routing never adds to it. */
  static long compilations() {
    return COMPILATIONS.get();
  }

  /** Compiles {@code regex}; {@code fieldPath} names the {@code regex} string field itself. */
  static Re2Pattern compile(String regex, String fieldPath) throws ConfigException {
    if (regex.isEmpty()) {
      throw new ConfigException(fieldPath, "regex must not be empty");
    }
    String translated = new Translator(regex, fieldPath).translate();
    try {
      Pattern pattern = Pattern.compile(translated, Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
      COMPILATIONS.incrementAndGet();
      return new Re2Pattern(regex, pattern);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(fieldPath, "invalid regex '" + regex + "': " + e.getDescription());
    }
  }

  String regex() {
    return regex;
  }

  /** RE2 FullMatch: the whole input must match. */
  boolean fullMatch(CharSequence input) {
    return pattern.matcher(input).matches();
  }

  /**
   * Parses an RE2 rewrite string ({@code \0}..{@code \9} name groups, {@code \\} is a backslash).
   */
  Substitution substitution(String rewrite, String fieldPath) throws ConfigException {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int groups = pattern.matcher("").groupCount();
    for (int i = 0; i < rewrite.length(); i++) {
      char c = rewrite.charAt(i);
      if (c != '\\') {
        literal.append(c);
        continue;
      }
      if (i + 1 >= rewrite.length()) {
        throw new ConfigException(fieldPath, "substitution ends with a lone backslash");
      }
      char next = rewrite.charAt(++i);
      if (next == '\\') {
        literal.append('\\');
      } else if (next >= '0' && next <= '9') {
        int group = next - '0';
        if (group > groups) {
          throw new ConfigException(
              fieldPath,
              "substitution refers to group \\" + group + " but the pattern has " + groups);
        }
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(group);
      } else {
        throw new ConfigException(
            fieldPath, "invalid escape \\" + next + " in substitution (RE2 allows \\0-\\9, \\\\)");
      }
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return new Substitution(List.copyOf(parts));
  }

  /** RE2 GlobalReplace: every non-overlapping match is replaced. */
  String replaceAll(CharSequence input, Substitution substitution) {
    Matcher matcher = pattern.matcher(input);
    return matcher.replaceAll(
        result -> Matcher.quoteReplacement(substitution.expand(result::group)));
  }

  /** A parsed rewrite string: literals and group numbers, expanded without any regex work. */
  static final class Substitution {
    private final List<Object> parts;

    private Substitution(List<Object> parts) {
      this.parts = parts;
    }

    String expand(java.util.function.IntFunction<String> group) {
      StringBuilder out = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Integer index) {
          String value = group.apply(index);
          if (value != null) {
            out.append(value);
          }
        } else {
          out.append((String) part);
        }
      }
      return out.toString();
    }
  }

  /**
   * One pass over the RE2 source that rejects what RE2 rejects and rewrites what Java reads
   * otherwise.
   */
  private static final class Translator {
    private final String re;
    private final String fieldPath;
    private final StringBuilder out = new StringBuilder();
    private int i;

    Translator(String re, String fieldPath) {
      this.re = re;
      this.fieldPath = fieldPath;
    }

    private ConfigException unsupported(String what) {
      return new ConfigException(
          fieldPath, "regex '" + re + "' uses " + what + ", which RE2 does not support");
    }

    String translate() throws ConfigException {
      while (i < re.length()) {
        char c = re.charAt(i);
        switch (c) {
          case '\\' -> escape(false);
          case '[' -> characterClass();
          case '(' -> group();
          case '*', '+', '?' -> {
            out.append(c);
            i++;
            quantifierSuffix();
          }
          case '{' -> repetition();
          default -> {
            out.append(c);
            i++;
          }
        }
      }
      return out.toString();
    }

    private void quantifierSuffix() throws ConfigException {
      if (i < re.length() && re.charAt(i) == '+') {
        throw unsupported("a possessive quantifier");
      }
      if (i < re.length() && re.charAt(i) == '?') {
        out.append('?');
        i++;
        if (i < re.length() && re.charAt(i) == '+') {
          throw unsupported("a possessive quantifier");
        }
      }
    }

    private void repetition() throws ConfigException {
      int close = re.indexOf('}', i);
      String body = close < 0 ? "" : re.substring(i + 1, close);
      if (close < 0 || !body.matches("\\d+(,\\d*)?")) {
        // RE2 reads a '{' that starts no repetition as a literal; Java would reject it.
        out.append("\\{");
        i++;
        return;
      }
      for (String count : body.split(",")) {
        if (!count.isEmpty() && (count.length() > 4 || Integer.parseInt(count) > RE2_MAX_REPEAT)) {
          throw unsupported("a repetition count above " + RE2_MAX_REPEAT);
        }
      }
      out.append(re, i, close + 1);
      i = close + 1;
      quantifierSuffix();
    }

    private void group() throws ConfigException {
      if (!re.startsWith("(?", i)) {
        out.append('(');
        i++;
        return;
      }
      if (re.startsWith("(?P<", i)
          || (re.startsWith("(?<", i) && !re.startsWith("(?<=", i) && !re.startsWith("(?<!", i))) {
        int close = re.indexOf('>', i);
        if (close < 0) {
          throw new ConfigException(fieldPath, "regex '" + re + "' has an unterminated group name");
        }
        out.append('(');
        i = close + 1;
        return;
      }
      if (re.startsWith("(?=", i) || re.startsWith("(?!", i)) {
        throw unsupported("lookahead");
      }
      if (re.startsWith("(?<=", i) || re.startsWith("(?<!", i)) {
        throw unsupported("lookbehind");
      }
      if (re.startsWith("(?>", i)) {
        throw unsupported("an atomic group");
      }
      if (re.startsWith("(?#", i)) {
        throw unsupported("a comment group");
      }
      // Flag group: (?flags) or (?flags:...). RE2 flags are i, m, s, U; U differs from Java's.
      int j = i + 2;
      while (j < re.length() && re.charAt(j) != ')' && re.charAt(j) != ':') {
        char flag = re.charAt(j);
        if (flag == 'U') {
          throw unsupported("the ungreedy flag (?U) (Java reads it differently)");
        }
        if (flag != 'i' && flag != 'm' && flag != 's' && flag != '-') {
          throw unsupported("the flag '" + flag + "'");
        }
        j++;
      }
      out.append(re, i, Math.min(j + 1, re.length()));
      i = j + 1;
    }

    private void characterClass() throws ConfigException {
      out.append('[');
      i++;
      if (i < re.length() && re.charAt(i) == '^') {
        out.append('^');
        i++;
      }
      if (i < re.length() && re.charAt(i) == ']') {
        out.append("\\]");
        i++;
      }
      while (i < re.length()) {
        char c = re.charAt(i);
        if (c == ']') {
          out.append(']');
          i++;
          return;
        }
        if (c == '\\') {
          escape(true);
        } else if (c == '[' && re.startsWith("[:", i)) {
          posixClass();
        } else if (c == '[' || c == '&') {
          out.append('\\').append(c);
          i++;
        } else {
          out.append(c);
          i++;
        }
      }
      throw new ConfigException(
          fieldPath, "regex '" + re + "' has an unterminated character class");
    }

    private void posixClass() throws ConfigException {
      int close = re.indexOf(":]", i + 2);
      if (close < 0) {
        throw new ConfigException(fieldPath, "regex '" + re + "' has an unterminated [: class");
      }
      String name = re.substring(i + 2, close);
      boolean negated = name.startsWith("^");
      if (negated) {
        name = name.substring(1);
      }
      String java =
          switch (name) {
            case "alnum" -> "Alnum";
            case "alpha" -> "Alpha";
            case "ascii" -> "ASCII";
            case "blank" -> "Blank";
            case "cntrl" -> "Cntrl";
            case "digit" -> "Digit";
            case "graph" -> "Graph";
            case "lower" -> "Lower";
            case "print" -> "Print";
            case "punct" -> "Punct";
            case "space" -> "Space";
            case "upper" -> "Upper";
            case "word" -> "word";
            case "xdigit" -> "XDigit";
            default -> throw unsupported("the POSIX class [:" + name + ":]");
          };
      if (java.equals("word")) {
        out.append(negated ? "\\W" : "\\w");
      } else {
        out.append(negated ? "\\P{" : "\\p{").append(java).append('}');
      }
      i = close + 2;
    }

    private void escape(boolean inClass) throws ConfigException {
      if (i + 1 >= re.length()) {
        throw new ConfigException(fieldPath, "regex '" + re + "' ends with a lone backslash");
      }
      char d = re.charAt(i + 1);
      if (d == 'Q') {
        int end = re.indexOf("\\E", i + 2);
        int stop = end < 0 ? re.length() : end;
        out.append(Pattern.quote(re.substring(i + 2, stop)));
        i = end < 0 ? re.length() : end + 2;
        return;
      }
      if (d >= '1' && d <= '9') {
        throw unsupported(inClass ? "an octal escape \\" + d : "a backreference \\" + d);
      }
      switch (d) {
        case 'v' -> out.append("\\x0B");
        case 'p', 'P' -> {
          unicodeClass(d);
          return;
        }
        case 'a', 'f', 't', 'n', 'r', 'x', 'd', 'D', 's', 'S', 'w', 'W', '0' ->
            out.append('\\').append(d);
        case 'b', 'B', 'A', 'z' -> {
          if (inClass) {
            throw unsupported("\\" + d + " inside a character class");
          }
          out.append('\\').append(d);
        }
        default -> {
          if (Character.isLetterOrDigit(d)) {
            throw unsupported("the escape \\" + d);
          }
          out.append('\\').append(d);
        }
      }
      i += 2;
    }

    private void unicodeClass(char p) throws ConfigException {
      int start = i + 2;
      String name;
      int next;
      if (start < re.length() && re.charAt(start) == '{') {
        int close = re.indexOf('}', start);
        if (close < 0) {
          throw new ConfigException(fieldPath, "regex '" + re + "' has an unterminated \\p{");
        }
        name = re.substring(start + 1, close);
        next = close + 1;
      } else if (start < re.length()) {
        name = re.substring(start, start + 1);
        next = start + 1;
      } else {
        throw new ConfigException(fieldPath, "regex '" + re + "' ends inside \\" + p);
      }
      String bare = name.startsWith("^") ? name.substring(1) : name;
      boolean negated = name.startsWith("^") ^ (p == 'P');
      String java;
      if (bare.matches("[CLMNPSZ][a-z]?")) {
        java = bare;
      } else if (bare.equals("Any")) {
        out.append(negated ? "[^\\x{0}-\\x{10FFFF}]" : "[\\x{0}-\\x{10FFFF}]");
        i = next;
        return;
      } else {
        try {
          Character.UnicodeScript.forName(bare);
        } catch (IllegalArgumentException e) {
          throw unsupported("the Unicode class \\p{" + bare + "}");
        }
        java = "Is" + bare;
      }
      out.append(negated ? "\\P{" : "\\p{").append(java).append('}');
      i = next;
    }
  }
}
