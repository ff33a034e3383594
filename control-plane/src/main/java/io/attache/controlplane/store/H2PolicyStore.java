package io.attache.controlplane.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The embedded default store: an H2 database file under the data directory, so nothing needs
 * installing. Current state and full history live in the same transaction, so a rollback can
 * rebuild any revision. Writes are serialised on one connection; a commit returns only after H2 has
 * written it to the file (WRITE_DELAY=0), so an acknowledged write survives kill -9. H2 locks the
 * file: two control planes can never share one data directory. The schema comes from {@link
 * StoreMigrations}.
 */
public final class H2PolicyStore implements PolicyStore {
  /** The dialect's upsert of one row of {@code resources}: (kind, name, body, revision). */
  private static final String UPSERT =
      "MERGE INTO resources (kind, name, body, revision) KEY (kind, name) VALUES (?, ?, ?, ?)";

  private static final String USER = "attache";

  private final Connection connection;
  private final Clock clock;

  private H2PolicyStore(Connection connection, Clock clock) {
    this.connection = connection;
    this.clock = clock;
  }

  /** Opens (creating if needed) the database {@code attache} in {@code dataDir}. */
  public static H2PolicyStore open(Path dataDir, Clock clock) {
    try {
      Files.createDirectories(dataDir);
      StoreMigrations.apply(dataSource(dataDir), StoreMigrations.Dialect.H2);
      Connection connection = DriverManager.getConnection(jdbcUrl(dataDir), USER, "");
      connection.setAutoCommit(false);
      return new H2PolicyStore(connection, clock);
    } catch (Exception e) {
      throw new StoreException("cannot open the store in " + dataDir, e);
    }
  }

  /** The database of a data directory; other tables of the control plane live in it too. */
  public static String jdbcUrl(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("attache") + ";WRITE_DELAY=0";
  }

  /** Connections to the data directory's database, one per call (its other tables' users). */
  public static DataSource dataSource(Path dataDir) {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL(jdbcUrl(dataDir));
    dataSource.setUser(USER);
    dataSource.setPassword("");
    return dataSource;
  }

  @Override
  public synchronized long headRevision() {
    try (PreparedStatement select =
            connection.prepareStatement("SELECT COALESCE(MAX(revision), 0) FROM revisions");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot read the head revision", e);
    }
  }

  @Override
  public synchronized Optional<StoredResource> get(ResourceKind kind, String name) {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT body, revision FROM resources WHERE kind = ? AND name = ?")) {
      select.setString(1, kind.name());
      select.setString(2, name);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new StoredResource(
                kind, name, ResourceRows.parse(kind, rows.getBytes(1)), rows.getLong(2)));
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read " + kind + " " + name, e);
    }
  }

  @Override
  public synchronized List<StoredResource> list(ResourceKind kind) {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT name, body, revision FROM resources WHERE kind = ? ORDER BY name")) {
      select.setString(1, kind.name());
      List<StoredResource> found = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.add(
              new StoredResource(
                  kind,
                  rows.getString(1),
                  ResourceRows.parse(kind, rows.getBytes(2)),
                  rows.getLong(3)));
        }
      }
      return found;
    } catch (SQLException e) {
      throw new StoreException("cannot list " + kind, e);
    }
  }

  @Override
  public synchronized List<StoredResource> stateAt(long revision) {
    String query =
        "SELECT h.kind, h.name, h.body, h.revision FROM resource_history h"
            + " JOIN (SELECT kind, name, MAX(revision) AS latest FROM resource_history"
            + "       WHERE revision <= ? GROUP BY kind, name) m"
            + " ON h.kind = m.kind AND h.name = m.name AND h.revision = m.latest"
            + " WHERE h.body IS NOT NULL ORDER BY h.kind, h.name";
    try (PreparedStatement select = connection.prepareStatement(query)) {
      select.setLong(1, revision);
      List<StoredResource> found = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ResourceKind kind = ResourceKind.valueOf(rows.getString(1));
          found.add(
              new StoredResource(
                  kind,
                  rows.getString(2),
                  ResourceRows.parse(kind, rows.getBytes(3)),
                  rows.getLong(4)));
        }
      }
      return found;
    } catch (SQLException e) {
      throw new StoreException("cannot read revision " + revision, e);
    }
  }

  @Override
  public synchronized long commit(List<Change> changes, String summary)
      throws PreconditionFailedException {
    try {
      for (Change change : changes) {
        long current = currentRevision(change.kind(), change.name());
        if (!change.precondition().admits(current)) {
          throw new PreconditionFailedException(change.kind(), change.name(), current);
        }
      }
      long revision = headRevision() + 1;
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO revisions (revision, created_at, summary) VALUES (?, ?, ?)")) {
        insert.setLong(1, revision);
        insert.setTimestamp(2, Timestamp.from(clock.instant()));
        insert.setString(3, summary);
        insert.executeUpdate();
      }
      for (Change change : changes) {
        apply(change, revision);
      }
      connection.commit();
      return revision;
    } catch (SQLException e) {
      rollbackQuietly(e);
      throw new StoreException("cannot commit: " + summary, e);
    } catch (PreconditionFailedException | RuntimeException e) {
      rollbackQuietly(e);
      throw e;
    }
  }

  @Override
  public synchronized long commitOnHead(long baseRevision, List<Change> changes, String summary)
      throws PreconditionFailedException, HeadMovedException {
    long head = headRevision();
    if (head != baseRevision) {
      throw new HeadMovedException(baseRevision, head);
    }
    return commit(changes, summary);
  }

  @Override
  public synchronized List<RevisionInfo> revisions() {
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT revision, created_at, summary FROM revisions ORDER BY revision DESC");
        ResultSet rows = select.executeQuery()) {
      List<RevisionInfo> found = new ArrayList<>();
      while (rows.next()) {
        found.add(
            new RevisionInfo(rows.getLong(1), rows.getTimestamp(2).toInstant(), rows.getString(3)));
      }
      return found;
    } catch (SQLException e) {
      throw new StoreException("cannot list revisions", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close the store", e);
    }
  }

  private long currentRevision(ResourceKind kind, String name) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT revision FROM resources WHERE kind = ? AND name = ?")) {
      select.setString(1, kind.name());
      select.setString(2, name);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0;
      }
    }
  }

  private void apply(Change change, long revision) throws SQLException {
    ResourceRows.apply(connection, change, revision, UPSERT);
  }

  private void rollbackQuietly(Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
