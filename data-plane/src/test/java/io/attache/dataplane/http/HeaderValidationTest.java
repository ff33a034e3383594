package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The byte rules shared by the HTTP/1 scanner and the HTTP/2 path. */
class HeaderValidationTest {

  @Test
  void acceptsTokenNamesAndRejectsEverythingElse() {
    assertThat(HeaderValidation.isValidName("x-request-id")).isTrue();
    assertThat(HeaderValidation.isValidName("!#$%&'*+-.^_`|~09azAZ")).isTrue();
    assertThat(HeaderValidation.isValidName("")).isFalse();
    assertThat(HeaderValidation.isValidName("a b")).isFalse();
    assertThat(HeaderValidation.isValidName("a:b")).isFalse();
    assertThat(HeaderValidation.isValidName("a(b)")).isFalse();
    assertThat(HeaderValidation.isValidName("caf\u00e9")).isFalse();
    assertThat(HeaderValidation.isValidName("a\u0000")).isFalse();
    assertThat(HeaderValidation.isValidName("\u0100")).isFalse();
  }

  @Test
  void acceptsVisibleTextTabsAndObsTextInValues() {
    assertThat(HeaderValidation.isValidValue("")).isTrue();
    assertThat(HeaderValidation.isValidValue("text/plain; q=0.5")).isTrue();
    assertThat(HeaderValidation.isValidValue("a\tb")).isTrue();
    assertThat(HeaderValidation.isValidValue("caf\u00e9")).isTrue();
  }

  @Test
  void rejectsControlCharactersAndSurroundingWhitespaceInValues() {
    assertThat(HeaderValidation.isValidValue("a\u0000b")).isFalse();
    assertThat(HeaderValidation.isValidValue("a\rb")).isFalse();
    assertThat(HeaderValidation.isValidValue("a\nb")).isFalse();
    assertThat(HeaderValidation.isValidValue("a\u001fb")).isFalse();
    assertThat(HeaderValidation.isValidValue("a\u007fb")).isFalse();
    assertThat(HeaderValidation.isValidValue(" a")).isFalse();
    assertThat(HeaderValidation.isValidValue("a\t")).isFalse();
    assertThat(HeaderValidation.isValidValue("\u0100")).isFalse();
  }

  @Test
  void checksAWholeFieldForTheHttp2Path() {
    assertThat(HeaderValidation.check("accept", "*/*")).isEqualTo(HeaderValidation.Verdict.VALID);
    assertThat(HeaderValidation.check("bad name", "x"))
        .isEqualTo(HeaderValidation.Verdict.INVALID_NAME);
    assertThat(HeaderValidation.check("x", "a\r\nb"))
        .isEqualTo(HeaderValidation.Verdict.INVALID_VALUE);
  }

  @Test
  void findsUnderscoresInNames() {
    assertThat(HeaderValidation.hasUnderscore("x_forwarded_for")).isTrue();
    assertThat(HeaderValidation.hasUnderscore("x-forwarded-for")).isFalse();
  }

  @Test
  void classifiesSingleBytes() {
    assertThat(HeaderValidation.isTchar('a')).isTrue();
    assertThat(HeaderValidation.isTchar(':')).isFalse();
    assertThat(HeaderValidation.isTchar(0xe9)).isFalse();
    assertThat(HeaderValidation.isFieldValueByte('\t')).isTrue();
    assertThat(HeaderValidation.isFieldValueByte(0xe9)).isTrue();
    assertThat(HeaderValidation.isFieldValueByte(0)).isFalse();
    assertThat(HeaderValidation.isFieldValueByte(0x7f)).isFalse();
  }
}
