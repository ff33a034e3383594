package io.attache.dataplane.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

class RegexTest {
  private static Regex compile(String regex) throws ConfigException {
    return Regex.compile(regex, "r.regex");
  }

  @Test
  void rejectsWhatRe2DoesNotSupport() {
    String[] cases = {
      "(a)\\1", // backreference
      "(?<n>a)\\k<n>",
      "a(?=b)", // lookahead
      "a(?!b)",
      "(?<=a)b", // lookbehind
      "(?<!a)b",
      "(?>ab)", // atomic group
      "a*+", // possessive
      "(?x)a b", // no extended mode in RE2
      "a\\Z",
      "\\R",
      "\\p{javaLowerCase}",
      "a{1001}", // RE2's repetition limit
      "[[:foo:]]",
    };
    for (String regex : cases) {
      assertThatThrownBy(() -> compile(regex))
          .as(regex)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("r.regex:")
          .hasMessageContaining("RE2 syntax");
    }
  }

  @Test
  void matchesInLinearTimeWhereABacktrackingEngineWouldNot() throws ConfigException {
    // (a+)+b against a run of a's is exponential for a backtracking engine, linear for RE2.
    Regex pattern = compile("(a+)+b");
    String input = "a".repeat(10_000);
    long start = System.nanoTime();
    assertThat(pattern.fullMatch(input)).isFalse();
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(java.time.Duration.ofSeconds(5));
  }

  @Test
  void acceptsRe2SyntaxJavaSpellsDifferently() throws ConfigException {
    assertThat(compile("(?P<id>[0-9]+)-(?P<name>\\w+)").fullMatch("12-ab")).isTrue();
    assertThat(compile("[[:alpha:]]+[[:^digit:]]").fullMatch("abc-")).isTrue();
    assertThat(compile("[[:word:]]+").fullMatch("a_1")).isTrue();
    assertThat(compile("[a&&b]+").fullMatch("a&b")).as("&& is literal in RE2 classes").isTrue();
    assertThat(compile("[[a]+").fullMatch("[a[")).as("[ is literal in RE2 classes").isTrue();
    assertThat(compile("\\pL+\\p{Greek}").fullMatch("abα")).isTrue();
    assertThat(compile("a\\vb").fullMatch("a\u000bb")).isTrue();
    assertThat(compile("a{,2}").fullMatch("a{,2}"))
        .as("an invalid repetition is a literal")
        .isTrue();
    assertThat(compile("\\Q.*\\E").fullMatch(".*")).isTrue();
    assertThat(compile("(?i)straße").fullMatch("STRAßE")).isTrue();
    assertThat(compile("(?U)a+").fullMatch("aaa")).as("(?U) is RE2's ungreedy flag").isTrue();
  }

  @Test
  void dotAndDollarTreatOnlyNewlineAsALineEndAsInRe2() throws ConfigException {
    assertThat(compile("a.b").fullMatch("a\rb")).isTrue();
    assertThat(compile("a.b").fullMatch("a\nb")).isFalse();
  }

  @Test
  void substitutionUsesRe2BackslashGroups() throws ConfigException {
    Regex pattern = compile("^(.*?)one(.*)$");
    assertThat(pattern.replaceAll("/xxx/one/yyy/one/zzz", pattern.substitution("\\1two\\2", "s")))
        .isEqualTo("/xxx/two/yyy/one/zzz");
    Regex dollar = compile("a");
    assertThat(dollar.replaceAll("banana", dollar.substitution("$1\\\\", "s")))
        .isEqualTo("b$1\\n$1\\n$1\\");
    assertThatThrownBy(() -> dollar.substitution("\\q", "s"))
        .hasMessageContaining("invalid escape");
  }
}
