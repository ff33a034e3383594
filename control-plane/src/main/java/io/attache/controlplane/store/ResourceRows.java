package io.attache.controlplane.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The SQL both policy stores share, on a connection the store provides: reading resources, a past
 * revision's state and the revision list; writing one revision row and one change into {@code
 * resources} and {@code resource_history}. Only the upsert differs by dialect, so the store passes
 * its own; the head revision, its locking and commit notifications stay with each store. Runs
 * inside the caller's transaction; never commits, never opens or closes a connection.
 */
final class ResourceRows {
  private ResourceRows() {}

  /**
   * Applies {@code change} at {@code revision}: deletes or upserts its row and appends it to the
   * history. {@code upsertSql} takes (kind, name, body, revision) in that order.
   */
  static void apply(Connection connection, Change change, long revision, String upsertSql)
      throws SQLException {
    byte[] body = change.body().map(Message::toByteArray).orElse(null);
    if (body == null) {
      try (PreparedStatement delete =
          connection.prepareStatement("DELETE FROM resources WHERE kind = ? AND name = ?")) {
        delete.setString(1, change.kind().name());
        delete.setString(2, change.name());
        delete.executeUpdate();
      }
    } else {
      try (PreparedStatement upsert = connection.prepareStatement(upsertSql)) {
        upsert.setString(1, change.kind().name());
        upsert.setString(2, change.name());
        upsert.setBytes(3, body);
        upsert.setLong(4, revision);
        upsert.executeUpdate();
      }
    }
    try (PreparedStatement history =
        connection.prepareStatement(
            "INSERT INTO resource_history (revision, kind, name, body) VALUES (?, ?, ?, ?)")) {
      history.setLong(1, revision);
      history.setString(2, change.kind().name());
      history.setString(3, change.name());
      history.setBytes(4, body);
      history.executeUpdate();
    }
  }

  /** The resource {@code kind}/{@code name} as stored now, if any. */
  static Optional<StoredResource> get(Connection connection, ResourceKind kind, String name)
      throws SQLException {
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
            new StoredResource(kind, name, parse(kind, rows.getBytes(1)), rows.getLong(2)));
      }
    }
  }

  /** The revision {@code kind}/{@code name} was last written at; 0 when it does not exist. */
  static long currentRevision(Connection connection, ResourceKind kind, String name)
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

  /** Every stored resource of {@code kind}, by name. */
  static List<StoredResource> list(Connection connection, ResourceKind kind) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT name, body, revision FROM resources WHERE kind = ? ORDER BY name")) {
      select.setString(1, kind.name());
      List<StoredResource> found = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.add(
              new StoredResource(
                  kind, rows.getString(1), parse(kind, rows.getBytes(2)), rows.getLong(3)));
        }
      }
      return found;
    }
  }

  /**
   * Every resource as it stood at {@code revision}, by kind and name: each one's latest history row
   * at or before it, unless that row is a deletion.
   */
  static List<StoredResource> stateAt(Connection connection, long revision) throws SQLException {
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
                  kind, rows.getString(2), parse(kind, rows.getBytes(3)), rows.getLong(4)));
        }
      }
      return found;
    }
  }

  /** Every revision, newest first. */
  static List<RevisionInfo> revisions(Connection connection) throws SQLException {
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
    }
  }

  /** Records revision {@code revision}, made at {@code at} for {@code summary}. */
  static void insertRevision(Connection connection, long revision, Instant at, String summary)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO revisions (revision, created_at, summary) VALUES (?, ?, ?)")) {
      insert.setLong(1, revision);
      insert.setTimestamp(2, Timestamp.from(at));
      insert.setString(3, summary);
      insert.executeUpdate();
    }
  }

  /** A stored body as its kind's message; a body that does not parse is a corrupt store. */
  static Message parse(ResourceKind kind, byte[] body) {
    try {
      return kind.prototype().getParserForType().parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt " + kind + " body", e);
    }
  }
}
