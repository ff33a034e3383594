package io.attache.controlplane.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The store shared by several control-plane replicas, in PostgreSQL. Every commit locks the one
 * {@code store_head} row first, so commits from all replicas are serialised in the database: the
 * head check and every precondition (If-Match) are decided while that lock is held, revisions are
 * numbered without gaps, and the commit sends {@code NOTIFY attache_policy_commits, '<revision>'}
 * inside the same transaction, so a replica is told of exactly the commits that happened, in order.
 * A commit that fails for any reason stores nothing. Thread-safe: every call takes its own pooled
 * connection; nothing is cached here.
 */
public final class PostgresPolicyStore implements PolicyStore {
  /** The dialect's upsert of one row of {@code resources}: (kind, name, body, revision). */
  private static final String UPSERT =
      "INSERT INTO resources (kind, name, body, revision) VALUES (?, ?, ?, ?)"
          + " ON CONFLICT (kind, name)"
          + " DO UPDATE SET body = EXCLUDED.body, revision = EXCLUDED.revision";

  /** The channel every commit notifies, with the new revision as payload. */
  public static final String COMMIT_CHANNEL = "attache_policy_commits";

  private final DataSource database;
  private final Clock clock;

  public PostgresPolicyStore(DataSource database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  @Override
  public long headRevision() {
    try (Connection connection = database.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT revision FROM store_head WHERE id = 1");
        ResultSet rows = select.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw unavailable("cannot read the head revision", e);
    }
  }

  @Override
  public Optional<StoredResource> get(ResourceKind kind, String name) {
    try (Connection connection = database.getConnection()) {
      return ResourceRows.get(connection, kind, name);
    } catch (SQLException e) {
      throw unavailable("cannot read " + kind + " " + name, e);
    }
  }

  @Override
  public List<StoredResource> list(ResourceKind kind) {
    try (Connection connection = database.getConnection()) {
      return ResourceRows.list(connection, kind);
    } catch (SQLException e) {
      throw unavailable("cannot list " + kind, e);
    }
  }

  @Override
  public List<StoredResource> stateAt(long revision) {
    try (Connection connection = database.getConnection()) {
      return ResourceRows.stateAt(connection, revision);
    } catch (SQLException e) {
      throw unavailable("cannot read revision " + revision, e);
    }
  }

  @Override
  public long commit(List<Change> changes, String summary) throws PreconditionFailedException {
    try {
      return commit(-1, changes, summary);
    } catch (HeadMovedException e) {
      throw new IllegalStateException("a commit without a base revision cannot find it moved", e);
    }
  }

  @Override
  public long commitOnHead(long baseRevision, List<Change> changes, String summary)
      throws PreconditionFailedException, HeadMovedException {
    return commit(baseRevision, changes, summary);
  }

  private long commit(long baseRevision, List<Change> changes, String summary)
      throws PreconditionFailedException, HeadMovedException {
    try (Connection connection = database.getConnection()) {
      connection.setAutoCommit(false);
      try {
        long head = lockHead(connection);
        if (baseRevision >= 0 && head != baseRevision) {
          throw new HeadMovedException(baseRevision, head);
        }
        for (Change change : changes) {
          long current = ResourceRows.currentRevision(connection, change.kind(), change.name());
          if (!change.precondition().admits(current)) {
            throw new PreconditionFailedException(change.kind(), change.name(), current);
          }
        }
        long revision = head + 1;
        try (PreparedStatement advance =
            connection.prepareStatement("UPDATE store_head SET revision = ? WHERE id = 1")) {
          advance.setLong(1, revision);
          advance.executeUpdate();
        }
        ResourceRows.insertRevision(connection, revision, clock.instant(), summary);
        for (Change change : changes) {
          ResourceRows.apply(connection, change, revision, UPSERT);
        }
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
          notify.setString(1, COMMIT_CHANNEL);
          notify.setString(2, Long.toString(revision));
          notify.execute();
        }
        connection.commit();
        return revision;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(connection, e);
        throw e;
      } catch (PreconditionFailedException | HeadMovedException e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    } catch (SQLException e) {
      throw unavailable("cannot commit: " + summary, e);
    }
  }

  @Override
  public List<RevisionInfo> revisions() {
    try (Connection connection = database.getConnection()) {
      return ResourceRows.revisions(connection);
    } catch (SQLException e) {
      throw unavailable("cannot list revisions", e);
    }
  }

  /** The pool belongs to whoever opened the database; closing the store leaves it open. */
  @Override
  public void close() {}

  private static long lockHead(Connection connection) throws SQLException {
    try (PreparedStatement select =
            connection.prepareStatement("SELECT revision FROM store_head WHERE id = 1 FOR UPDATE");
        ResultSet rows = select.executeQuery()) {
      if (!rows.next()) {
        throw new SQLException("store_head has no row: the schema was not migrated");
      }
      return rows.getLong(1);
    }
  }

  private static void rollbackQuietly(Connection connection, Exception cause) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  private static StoreException unavailable(String what, SQLException e) {
    return new StoreException(what + ": " + PostgresDatabase.rootMessage(e), e);
  }
}
