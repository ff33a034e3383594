package io.attache.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded H2 file, and what only the embedded store has to do. */
class H2PolicyStoreTest extends PolicyStoreContract {

  @TempDir Path dataDir;

  @Override
  PolicyStore open(Clock clock) {
    return H2PolicyStore.open(dataDir, clock);
  }

  @Test
  void takesOverADataDirectoryMadeBeforeMigrationsExisted() throws Exception {
    // The tables exactly as the store created them before it used migrations, with one revision.
    try (Connection connection =
            DriverManager.getConnection(H2PolicyStore.jdbcUrl(dataDir), "attache", "");
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE revisions (revision BIGINT PRIMARY KEY, created_at TIMESTAMP NOT NULL,"
              + " summary VARCHAR NOT NULL);"
              + "CREATE TABLE resources (kind VARCHAR(32) NOT NULL, name VARCHAR(253) NOT NULL,"
              + " body VARBINARY NOT NULL, revision BIGINT NOT NULL, PRIMARY KEY (kind, name));"
              + "CREATE TABLE resource_history (revision BIGINT NOT NULL, kind VARCHAR(32) NOT NULL,"
              + " name VARCHAR(253) NOT NULL, body VARBINARY, PRIMARY KEY (kind, name, revision));"
              + "INSERT INTO revisions VALUES (1, TIMESTAMP '2024-01-01 00:00:00', 'old');");
    }

    store = open(CLOCK);

    assertThat(store.headRevision()).isEqualTo(1);
    assertThat(store.commit(List.of(put("orders", 1, Precondition.any())), "new")).isEqualTo(2);
  }
}
