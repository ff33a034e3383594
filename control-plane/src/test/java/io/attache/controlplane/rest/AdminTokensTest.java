package io.attache.controlplane.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokensTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READER = "reader-token-0123456789abcdef";

  private final AdminTokens tokens =
      AdminTokens.parse(
          List.of(
              "# operators",
              ADMIN + " admin",
              "",
              "   " + READER + "\tread-only   ",
              "  # dashboards"),
          "tokens.txt");

  @Test
  void skipsBlankLinesAndCommentsAndKeepsEveryTokenWithItsRole() {
    assertThat(tokens.enabled()).isTrue();
    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.decide("Bearer " + ADMIN, "PUT")).isEqualTo(AccessDecision.ALLOWED);
    assertThat(tokens.decide("Bearer " + READER, "GET")).isEqualTo(AccessDecision.ALLOWED);
  }

  @Test
  void refusesRequestsWithoutAValidBearerToken() {
    assertThat(tokens.decide(null, "GET")).isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(tokens.decide("Bearer ", "GET")).isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(tokens.decide("Basic " + ADMIN, "GET")).isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(tokens.decide(ADMIN, "GET")).isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(tokens.decide("Bearer " + ADMIN + "x", "GET"))
        .isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(tokens.decide("Bearer " + ADMIN.substring(1), "GET"))
        .isEqualTo(AccessDecision.UNAUTHENTICATED);
  }

  @Test
  void acceptsTheSchemeInAnyCase() {
    assertThat(tokens.decide("bearer " + ADMIN, "DELETE")).isEqualTo(AccessDecision.ALLOWED);
    assertThat(tokens.decide("BEARER " + ADMIN, "DELETE")).isEqualTo(AccessDecision.ALLOWED);
  }

  @Test
  void letsReadOnlyTokensReadButNotWrite() {
    for (String read : List.of("GET", "HEAD", "OPTIONS")) {
      assertThat(tokens.decide("Bearer " + READER, read)).isEqualTo(AccessDecision.ALLOWED);
    }
    for (String write : List.of("PUT", "POST", "DELETE", "PATCH", "TRACE")) {
      assertThat(tokens.decide("Bearer " + READER, write)).isEqualTo(AccessDecision.FORBIDDEN);
    }
  }

  @Test
  void allowsEverythingWhenAuthenticationIsOff() {
    assertThat(AdminTokens.NONE.enabled()).isFalse();
    assertThat(AdminTokens.NONE.decide(null, "DELETE")).isEqualTo(AccessDecision.ALLOWED);
  }

  @Test
  void namesTheLineOfAMalformedEntry() {
    assertThatThrownBy(
            () -> AdminTokens.parse(List.of("# ok", ADMIN + " admin", ADMIN + "2"), "tokens.txt"))
        .isInstanceOf(AdminConfigException.class)
        .hasMessageStartingWith("tokens.txt line 3: expected '<token> <role>'");
    assertThatThrownBy(() -> AdminTokens.parse(List.of(ADMIN + " admin extra"), "tokens.txt"))
        .hasMessageStartingWith("tokens.txt line 1: expected '<token> <role>'");
  }

  @Test
  void namesTheLineOfAnUnknownRole() {
    assertThatThrownBy(() -> AdminTokens.parse(List.of("", ADMIN + " root"), "tokens.txt"))
        .isInstanceOf(AdminConfigException.class)
        .hasMessage("tokens.txt line 2: role must be admin or read-only, not 'root'");
  }

  @Test
  void refusesShortAndOddTokensWithoutEchoingThem() {
    assertThatThrownBy(() -> AdminTokens.parse(List.of("short admin"), "t"))
        .hasMessage("t line 1: token must be at least 16 characters long")
        .hasMessageNotContaining("short");
    assertThatThrownBy(() -> AdminTokens.parse(List.of("secret\"0123456789abc admin"), "t"))
        .hasMessageStartingWith("t line 1: token may contain only")
        .hasMessageNotContaining("secret");
  }

  @Test
  void refusesADuplicateTokenAndAFileWithoutTokens() {
    assertThatThrownBy(
            () -> AdminTokens.parse(List.of(ADMIN + " admin", ADMIN + " read-only"), "t"))
        .hasMessage("t line 2: the same token appears on an earlier line");
    assertThatThrownBy(() -> AdminTokens.parse(List.of("# nobody", ""), "t"))
        .hasMessageStartingWith("t: no tokens");
  }

  @Test
  void addsTheEnvironmentTokenAsOneMoreEntry() {
    AdminTokens more = tokens.with("env-token-0123456789abcdef", AdminRole.ADMIN, "ENV");

    assertThat(more.decide("Bearer env-token-0123456789abcdef", "PUT"))
        .isEqualTo(AccessDecision.ALLOWED);
    assertThat(more.decide("Bearer " + ADMIN, "PUT")).isEqualTo(AccessDecision.ALLOWED);
    assertThatThrownBy(() -> tokens.with(ADMIN, AdminRole.ADMIN, "ENV"))
        .hasMessage("ENV: the same token is already in the token file");
  }

  @Test
  void readsATokenFileAndNamesAMissingOne(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), ADMIN + " admin\n");

    assertThat(AdminTokens.load(file).decide("Bearer " + ADMIN, "POST"))
        .isEqualTo(AccessDecision.ALLOWED);
    assertThatThrownBy(() -> AdminTokens.load(dir.resolve("missing")))
        .isInstanceOf(AdminConfigException.class)
        .hasMessageContaining("cannot read admin token file " + dir.resolve("missing"));
  }

  @Test
  void neverPrintsATokenInItsDescription() {
    assertThat(tokens.toString()).isEqualTo("2 admin token(s)").doesNotContain(ADMIN);
  }
}
