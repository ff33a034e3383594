package io.attache.controlplane.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Moves an embedded store into an empty shared one, whole: every revision with its time and
 * summary, the full resource history, the current resources and the bootstrap tokens, with their
 * revision numbers unchanged, so every ETag a client holds and every rollback target stays valid.
 * One transaction on the target: it gets all of it or nothing. Refuses a target that already holds
 * a revision or a token. Never changes the source.
 */
public final class StoreCopy {

  /** What was copied. */
  public record Copied(long revisions, long resources, long historyRows, long tokens) {}

  private StoreCopy() {}

  public static Copied copy(DataSource from, DataSource to) {
    try (Connection source = from.getConnection();
        Connection target = to.getConnection()) {
      source.setReadOnly(true);
      target.setAutoCommit(false);
      try {
        long head = lockEmptyTarget(target);
        long revisions =
            copyRows(
                source,
                target,
                "SELECT revision, created_at, summary FROM revisions ORDER BY revision",
                "INSERT INTO revisions (revision, created_at, summary) VALUES (?, ?, ?)",
                3);
        long history =
            copyRows(
                source,
                target,
                "SELECT revision, kind, name, body FROM resource_history ORDER BY revision",
                "INSERT INTO resource_history (revision, kind, name, body) VALUES (?, ?, ?, ?)",
                4);
        long resources =
            copyRows(
                source,
                target,
                "SELECT kind, name, body, revision FROM resources",
                "INSERT INTO resources (kind, name, body, revision) VALUES (?, ?, ?, ?)",
                4);
        long tokens =
            copyRows(
                source,
                target,
                "SELECT id, identity, token_sha256, created_at FROM identity_tokens",
                "INSERT INTO identity_tokens (id, identity, token_sha256, created_at)"
                    + " VALUES (?, ?, ?, ?)",
                4);
        long newHead = maxRevision(source);
        try (PreparedStatement advance =
            target.prepareStatement("UPDATE store_head SET revision = ? WHERE id = 1")) {
          advance.setLong(1, Math.max(head, newHead));
          advance.executeUpdate();
        }
        target.commit();
        return new Copied(revisions, resources, history, tokens);
      } catch (SQLException | RuntimeException e) {
        target.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot copy the store: " + PostgresDatabase.rootMessage(e), e);
    }
  }

  /** Locks the target's head and checks it holds nothing yet; returns its head (0). */
  private static long lockEmptyTarget(Connection target) throws SQLException {
    try (Statement statement = target.createStatement();
        ResultSet head =
            statement.executeQuery("SELECT revision FROM store_head WHERE id = 1 FOR UPDATE")) {
      head.next();
      long revision = head.getLong(1);
      if (revision != 0) {
        throw new IllegalStateException(
            "the target store already holds revision " + revision + "; copy into an empty one");
      }
    }
    try (Statement statement = target.createStatement();
        ResultSet tokens = statement.executeQuery("SELECT COUNT(*) FROM identity_tokens")) {
      tokens.next();
      if (tokens.getLong(1) != 0) {
        throw new IllegalStateException(
            "the target store already holds bootstrap tokens; copy into an empty one");
      }
    }
    return 0;
  }

  private static long maxRevision(Connection source) throws SQLException {
    try (Statement statement = source.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT COALESCE(MAX(revision), 0) FROM revisions")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static long copyRows(
      Connection source, Connection target, String select, String insert, int columns)
      throws SQLException {
    long copied = 0;
    try (Statement reading = source.createStatement();
        ResultSet rows = reading.executeQuery(select);
        PreparedStatement writing = target.prepareStatement(insert)) {
      while (rows.next()) {
        for (int c = 1; c <= columns; c++) {
          writing.setObject(c, rows.getObject(c));
        }
        writing.addBatch();
        if (++copied % 500 == 0) {
          writing.executeBatch();
        }
      }
      writing.executeBatch();
    }
    return copied;
  }
}
