package io.attache.controlplane.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
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

  private static final String STATE_AT =
      "SELECT DISTINCT ON (kind, name) kind, name, body, revision FROM resource_history"
          + " WHERE revision <= ? ORDER BY kind, name, revision DESC";

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
    try (Connection connection = database.getConnection();
        PreparedStatement select =
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
      throw unavailable("cannot read " + kind + " " + name, e);
    }
  }

  @Override
  public List<StoredResource> list(ResourceKind kind) {
    try (Connection connection = database.getConnection();
        PreparedStatement select =
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
      throw unavailable("cannot list " + kind, e);
    }
  }

  @Override
  public List<StoredResource> stateAt(long revision) {
    try (Connection connection = database.getConnection();
        PreparedStatement select = connection.prepareStatement(STATE_AT)) {
      select.setLong(1, revision);
      List<StoredResource> found = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          byte[] body = rows.getBytes(3);
          if (body == null) {
            continue; // deleted at or before this revision
          }
          ResourceKind kind = ResourceKind.valueOf(rows.getString(1));
          found.add(
              new StoredResource(
                  kind, rows.getString(2), ResourceRows.parse(kind, body), rows.getLong(4)));
        }
      }
      found.sort(
          java.util.Comparator.comparing((StoredResource r) -> r.kind().name())
              .thenComparing(StoredResource::name));
      return found;
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
          long current = currentRevision(connection, change.kind(), change.name());
          if (!change.precondition().admits(current)) {
            throw new PreconditionFailedException(change.kind(), change.name(), current);
          }
        }
        long revision = head + 1;
        try (PreparedStatement advance =
                connection.prepareStatement("UPDATE store_head SET revision = ? WHERE id = 1");
            PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO revisions (revision, created_at, summary) VALUES (?, ?, ?)")) {
          advance.setLong(1, revision);
          advance.executeUpdate();
          insert.setLong(1, revision);
          insert.setTimestamp(2, Timestamp.from(clock.instant()));
          insert.setString(3, summary);
          insert.executeUpdate();
        }
        for (Change change : changes) {
          apply(connection, change, revision);
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
    try (Connection connection = database.getConnection();
        PreparedStatement select =
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

  private static long currentRevision(Connection connection, ResourceKind kind, String name)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement("SELECT revision FROM resources WHERE kind = ? AND name = ?")) {
      select.setString(1, kind.name());
      select.setString(2, name);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0;
      }
    }
  }

  private static void apply(Connection connection, Change change, long revision)
      throws SQLException {
    ResourceRows.apply(connection, change, revision, UPSERT);
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
