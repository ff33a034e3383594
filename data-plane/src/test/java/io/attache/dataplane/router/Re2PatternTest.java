package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

class Re2PatternTest {
  private static Re2Pattern compile(String regex) throws ConfigException {
    return Re2Pattern.compile(regex, "r.regex");
  }

  @Test
  void rejectsWhatRe2DoesNotSupport() {
    String[][] cases = {
      {"(a)\\1", "backreference"},
      {"(?<n>a)\\k<n>", "escape \\k"},
      {"a(?=b)", "lookahead"},
      {"a(?!b)", "lookahead"},
      {"(?<=a)b", "lookbehind"},
      {"(?<!a)b", "lookbehind"},
      {"(?>ab)", "atomic group"},
      {"a*+", "possessive"},
      {"a{2}+", "possessive"},
      {"(?U)a+", "ungreedy"},
      {"(?x)a b", "flag 'x'"},
      {"a\\Z", "escape \\Z"},
      {"\\R", "escape \\R"},
      {"\\p{javaLowerCase}", "Unicode class"},
      {"a{1001}", "repetition count above 1000"},
      {"[[:foo:]]", "POSIX class [:foo:]"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> compile(c[0]))
          .as(c[0])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(c[1])
          .hasMessageStartingWith("r.regex:");
    }
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
  }

  @Test
  void dotAndDollarTreatOnlyNewlineAsALineEndAsInRe2() throws ConfigException {
    assertThat(compile("a.b").fullMatch("a\rb")).isTrue();
    assertThat(compile("a.b").fullMatch("a\nb")).isFalse();
  }

  @Test
  void substitutionUsesRe2BackslashGroups() throws ConfigException {
    Re2Pattern pattern = compile("^(.*?)one(.*)$");
    assertThat(pattern.replaceAll("/xxx/one/yyy/one/zzz", pattern.substitution("\\1two\\2", "s")))
        .isEqualTo("/xxx/two/yyy/one/zzz");
    Re2Pattern dollar = compile("a");
    assertThat(dollar.replaceAll("banana", dollar.substitution("$1\\\\", "s")))
        .isEqualTo("b$1\\n$1\\n$1\\");
    assertThatThrownBy(() -> dollar.substitution("\\q", "s"))
        .hasMessageContaining("invalid escape");
  }
}
