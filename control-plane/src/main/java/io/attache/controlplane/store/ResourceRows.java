package io.attache.controlplane.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The SQL both policy stores share: writing one change into {@code resources} and {@code
 * resource_history} at a revision, and reading a stored body back. Only the upsert differs by
 * dialect, so the store passes its own. Runs inside the caller's transaction; never commits.
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

  /** A stored body as its kind's message; a body that does not parse is a corrupt store. */
  static Message parse(ResourceKind kind, byte[] body) {
    try {
      return kind.prototype().getParserForType().parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt " + kind + " body", e);
    }
  }
}
