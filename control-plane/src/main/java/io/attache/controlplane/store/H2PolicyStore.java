package io.attache.controlplane.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
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
    try {
      return ResourceRows.get(connection, kind, name);
    } catch (SQLException e) {
      throw new StoreException("cannot read " + kind + " " + name, e);
    }
  }

  @Override
  public synchronized List<StoredResource> list(ResourceKind kind) {
    try {
      return ResourceRows.list(connection, kind);
    } catch (SQLException e) {
      throw new StoreException("cannot list " + kind, e);
    }
  }

  @Override
  public synchronized List<StoredResource> stateAt(long revision) {
    try {
      return ResourceRows.stateAt(connection, revision);
    } catch (SQLException e) {
      throw new StoreException("cannot read revision " + revision, e);
    }
  }

  @Override
  public synchronized long commit(List<Change> changes, String summary)
      throws PreconditionFailedException {
    try {
      for (Change change : changes) {
        long current = ResourceRows.currentRevision(connection, change.kind(), change.name());
        if (!change.precondition().admits(current)) {
          throw new PreconditionFailedException(change.kind(), change.name(), current);
        }
      }
      long revision = headRevision() + 1;
      ResourceRows.insertRevision(connection, revision, clock.instant(), summary);
      for (Change change : changes) {
        ResourceRows.apply(connection, change, revision, UPSERT);
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
    try {
      return ResourceRows.revisions(connection);
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

  private void rollbackQuietly(Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }
}
