package io.attache.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresLocationTest {

  @TempDir Path dir;

  @Test
  void turnsALibpqUriIntoAJdbcUrlWithItsParametersAsDriverProperties() {
    PostgresLocation location =
        PostgresLocation.parse(
            "postgresql://attache@db1:5433,db2/mesh?sslmode=verify-full&target_session_attrs=read-write&application_name=cp-a",
            Map.of(),
            Optional.empty());

    assertThat(location.jdbcUrl()).isEqualTo("jdbc:postgresql://db1:5433,db2:5432/mesh");
    assertThat(location.user()).isEqualTo("attache");
    assertThat(location.parameters())
        .containsEntry("sslmode", "verify-full")
        .containsEntry("targetServerType", "primary")
        .containsEntry("ApplicationName", "cp-a");
    assertThat(location).hasToString("postgresql://attache@db1:5433,db2:5432/mesh");
  }

  @Test
  void takesThePasswordFromPgpasswordAndNeverShowsIt() {
    PostgresLocation location =
        PostgresLocation.parse(
            "postgres://attache@127.0.0.1/mesh",
            Map.of("PGPASSWORD", "s3cret-value"),
            Optional.empty());

    assertThat(location.connectionProperties().getProperty("password")).isEqualTo("s3cret-value");
    assertThat(location.toString()).doesNotContain("s3cret");
  }

  @Test
  void aPasswordFileWinsOverTheEnvironment() throws Exception {
    Path file = dir.resolve("password");
    Files.writeString(file, "from-file\n");

    PostgresLocation location =
        PostgresLocation.parse(
            "postgresql://attache@localhost/mesh",
            Map.of("PGPASSWORD", "from-env"),
            Optional.of(file));

    assertThat(location.connectionProperties().getProperty("password")).isEqualTo("from-file");
  }

  @Test
  void refusesAPasswordOnTheCommandLineInEitherForm() {
    assertThatThrownBy(
            () ->
                PostgresLocation.parse(
                    "postgresql://attache:hunter2@db/mesh", Map.of(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PGPASSWORD")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                PostgresLocation.parse(
                    "jdbc:postgresql://db/mesh?user=a&password=hunter2",
                    Map.of(),
                    Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void acceptsAJdbcUrlAndTakesTheUserOutOfIt() {
    PostgresLocation location =
        PostgresLocation.parse(
            "jdbc:postgresql://db:5432/mesh?user=attache&sslmode=require",
            Map.of(),
            Optional.empty());

    assertThat(location.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/mesh?sslmode=require");
    assertThat(location.user()).isEqualTo("attache");
    assertThat(location).hasToString("postgresql://attache@db:5432/mesh");
  }

  @Test
  void theDatabaseDefaultsToTheUserAndTheUserToPguser() {
    PostgresLocation location =
        PostgresLocation.parse("postgresql://db", Map.of("PGUSER", "mesh"), Optional.empty());

    assertThat(location.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/mesh");
    assertThat(location.user()).isEqualTo("mesh");
  }

  @Test
  void namesWhatIsWrongWithABadUri() {
    assertThatThrownBy(
            () -> PostgresLocation.parse("postgresql://db/x", Map.of(), Optional.empty()))
        .hasMessageContaining("name the database user");
    assertThatThrownBy(
            () -> PostgresLocation.parse("postgresql://a@db:99999/x", Map.of(), Optional.empty()))
        .hasMessageContaining("not a port");
    assertThatThrownBy(
            () ->
                PostgresLocation.parse(
                    "postgresql://a@db/x?gssencmode=disable", Map.of(), Optional.empty()))
        .hasMessageContaining("unsupported store URI parameter 'gssencmode'");
  }
}
