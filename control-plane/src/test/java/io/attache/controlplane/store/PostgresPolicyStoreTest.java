package io.attache.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.testing.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The store contract on a real PostgreSQL server (started by the test), and what only a store
 * shared by several replicas has to do: migrations from several replicas at once, a database-level
 * If-Match, and a notification per commit.
 */
class PostgresPolicyStoreTest extends PolicyStoreContract {

  private final List<PostgresDatabase> opened = new ArrayList<>();
  private TestPostgres postgres;
  private String database;

  @BeforeEach
  void createDatabase() throws Exception {
    postgres = TestPostgres.shared();
    database = postgres.createDatabase();
  }

  @AfterEach
  void closeDatabases() {
    opened.forEach(PostgresDatabase::close);
  }

  /** One replica's view: a pool of its own on the shared database. */
  private PostgresDatabase replica() {
    PostgresDatabase db =
        PostgresDatabase.open(
            PostgresLocation.parse(postgres.uri(database), Map.of(), Optional.empty()));
    opened.add(db);
    return db;
  }

  @Override
  PolicyStore open(Clock clock) {
    return new PostgresPolicyStore(replica().dataSource(), clock);
  }

  @Test
  void threeReplicasMigratingAnEmptyDatabaseAtOnceApplyEachScriptOnce() throws Exception {
    PostgresLocation location =
        PostgresLocation.parse(postgres.uri(database), Map.of(), Optional.empty());
    ExecutorService replicas = Executors.newFixedThreadPool(3);
    try {
      List<Future<PostgresDatabase>> starts = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        starts.add(replicas.submit(() -> PostgresDatabase.open(location)));
      }
      for (Future<PostgresDatabase> start : starts) {
        opened.add(start.get(60, TimeUnit.SECONDS));
      }
    } finally {
      replicas.shutdownNow();
    }

    try (Connection connection = opened.get(0).dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT version, success FROM attache_schema_history ORDER BY installed_rank")) {
      List<String> applied = new ArrayList<>();
      while (rows.next()) {
        applied.add(rows.getString(1) + ":" + rows.getBoolean(2));
      }
      assertThat(applied).containsExactly("1:true");
    }
  }

  @Test
  void ofTwentyWritersOnThreeReplicasWithTheSameEtagExactlyOneCommits() throws Exception {
    List<PolicyStore> replicas =
        List.of(open(CLOCK), open(CLOCK), open(CLOCK)); // three pools, one database
    long etag = replicas.get(0).commit(List.of(put("orders", 1, Precondition.any())), "create");

    ExecutorService writers = Executors.newFixedThreadPool(20);
    List<Future<String>> outcomes = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        PolicyStore replica = replicas.get(i % 3);
        int port = 100 + i;
        Callable<String> write =
            () -> {
              try {
                replica.commit(
                    List.of(put("orders", port, Precondition.revision(etag))), "writer " + port);
                return "committed";
              } catch (PreconditionFailedException e) {
                return "precondition failed";
              }
            };
        outcomes.add(writers.submit(write));
      }
      List<String> results = new ArrayList<>();
      for (Future<String> outcome : outcomes) {
        results.add(outcome.get(60, TimeUnit.SECONDS));
      }
      assertThat(results).filteredOn("committed"::equals).hasSize(1);
      assertThat(results).filteredOn("precondition failed"::equals).hasSize(19);
    } finally {
      writers.shutdownNow();
    }
    assertThat(replicas.get(1).headRevision()).isEqualTo(2);
    assertThat(replicas.get(2).revisions()).hasSize(2);
  }

  @Test
  void everyCommitNotifiesItsRevisionToListeningReplicas() throws Exception {
    store = open(CLOCK);
    PostgresDatabase listenerSide = replica();
    try (Connection listener = listenerSide.dedicatedConnection();
        Statement listen = listener.createStatement()) {
      listen.execute("LISTEN " + PostgresPolicyStore.COMMIT_CHANNEL);

      store.commit(List.of(put("orders", 1, Precondition.any())), "r1");
      store.commit(List.of(put("users", 1, Precondition.any())), "r2");

      List<String> payloads = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (payloads.size() < 2 && System.nanoTime() < deadline) {
        PGNotification[] notifications = listener.unwrap(PGConnection.class).getNotifications(500);
        if (notifications != null) {
          for (PGNotification notification : notifications) {
            payloads.add(notification.getParameter());
          }
        }
      }
      assertThat(payloads).containsExactly("1", "2");
    }
  }

  @Test
  void aRefusedCommitNotifiesNothingAndLeavesNoTrace() throws Exception {
    store = open(CLOCK);
    store.commit(List.of(put("orders", 1, Precondition.any())), "r1");
    try (Connection listener = replica().dedicatedConnection();
        Statement listen = listener.createStatement()) {
      listen.execute("LISTEN " + PostgresPolicyStore.COMMIT_CHANNEL);

      try {
        store.commit(
            List.of(put("users", 1, Precondition.any()), put("orders", 2, Precondition.absent())),
            "refused");
      } catch (PreconditionFailedException expected) {
        // what this test is about
      }

      // A round trip on the listening session delivers anything already sent to it.
      try (PreparedStatement ping = listener.prepareStatement("SELECT 1")) {
        ping.execute();
      }
      assertThat(listener.unwrap(PGConnection.class).getNotifications()).isNullOrEmpty();
    }
    assertThat(store.headRevision()).isEqualTo(1);
    assertThat(store.get(ResourceKind.SERVICE, "users")).isEmpty();
  }
}
