package io.attache.dataplane.matcher;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.attache.dataplane.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A regular expression in Envoy's dialect, RE2, compiled once by RE2/J: the same syntax Envoy
 * accepts (no backreferences, lookaround or possessive quantifiers; POSIX classes, {@code (?P<n>)}
 * groups, at most 1000 repetitions) and matching in time linear in the input, so no request can
 * make a pattern backtrack. The only regex engine of the proxy: routing, RBAC, fault and retry
 * matchers, path and host rewrites all compile through here. Immutable; compiling happens at config
 * time only.
 */
public final class Regex {
  private static final AtomicLong COMPILATIONS = new AtomicLong();

  private final String regex;
  private final Pattern pattern;

  private Regex(String regex, Pattern pattern) {
    this.regex = regex;
    this.pattern = pattern;
  }

  /** Compiles {@code regex}; {@code fieldPath} names the {@code regex} string field itself. */
  public static Regex compile(String regex, String fieldPath) throws ConfigException {
    if (regex.isEmpty()) {
      throw new ConfigException(fieldPath, "regex must not be empty");
    }
    try {
      Pattern pattern = Pattern.compile(regex);
      COMPILATIONS.incrementAndGet();
      return new Regex(regex, pattern);
    } catch (PatternSyntaxException e) {
      throw new ConfigException(
          fieldPath, "invalid regex '" + regex + "' (RE2 syntax): " + e.getDescription());
    }
  }

  /** How many patterns were compiled in this JVM; tests assert the request path adds none. */
  public static long compilations() {
    return COMPILATIONS.get();
  }

  public String regex() {
    return regex;
  }

  /** RE2's FullMatch: the whole input must match. */
  public boolean fullMatch(CharSequence input) {
    return input instanceof String text ? pattern.matches(text) : pattern.matcher(input).matches();
  }

  /** The number of capturing groups. */
  public int groupCount() {
    return pattern.groupCount();
  }

  /**
   * Parses an RE2 rewrite string ({@code \0}..{@code \9} name groups, {@code \\} is a backslash);
   * errors name {@code fieldPath}.
   */
  public Substitution substitution(String rewrite, String fieldPath) throws ConfigException {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int groups = groupCount();
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

  /** RE2's GlobalReplace: every non-overlapping match is replaced. */
  public String replaceAll(String input, Substitution substitution) {
    Matcher matcher = pattern.matcher(input);
    StringBuilder out = null;
    int last = 0;
    while (matcher.find()) {
      if (out == null) {
        out = new StringBuilder(input.length() + 16);
      }
      out.append(input, last, matcher.start());
      out.append(substitution.expand(matcher::group));
      last = matcher.end();
    }
    if (out == null) {
      return input;
    }
    return out.append(input, last, input.length()).toString();
  }

  @Override
  public String toString() {
    return regex;
  }

  /** A parsed rewrite string: literals and group numbers, expanded without any regex work. */
  public static final class Substitution {
    private final List<Object> parts;

    private Substitution(List<Object> parts) {
      this.parts = parts;
    }

    String expand(IntFunction<String> group) {
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
}
