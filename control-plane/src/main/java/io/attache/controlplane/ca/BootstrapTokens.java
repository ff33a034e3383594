package io.attache.controlplane.ca;

import io.attache.controlplane.store.H2PolicyStore;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.xds.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Per-identity bootstrap tokens: how a proxy that has no certificate yet proves its identity to the
 * xDS server (gRPC metadata {@code authorization: Bearer <token>}). The operator issues one through
 * REST and sees it once; only its SHA-256 is kept, in the embedded H2 database. A plain hash
 * suffices because tokens are 256 random bits, not passwords. Tokens stay valid until revoked.
 * Thread-safe; never logs a token.
 */
public final class BootstrapTokens implements TokenVerifier, AutoCloseable {

  private static final String SCHEMA =
      "CREATE TABLE IF NOT EXISTS identity_tokens ("
          + " id VARCHAR(32) PRIMARY KEY, identity VARCHAR(600) NOT NULL,"
          + " token_sha256 VARCHAR(64) NOT NULL UNIQUE, created_at TIMESTAMP NOT NULL)";

  private static final String PREFIX = "atk_";

  private final Connection connection;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** A token as issued: the only time its secret part exists outside the proxy. */
  public record IssuedToken(String id, SpiffeId identity, String token, Instant createdAt) {
    @Override
    public String toString() {
      return "IssuedToken[id=" + id + ", identity=" + identity + ", token=<redacted>]";
    }
  }

  /** What may be listed about a token. */
  public record TokenInfo(String id, String identity, Instant createdAt) {}

  private BootstrapTokens(Connection connection, Clock clock) {
    this.connection = connection;
    this.clock = clock;
  }

  /** Opens the table in the data directory's database, beside the policy store's. */
  public static BootstrapTokens open(Path dataDir, Clock clock) {
    try {
      Files.createDirectories(dataDir);
      Connection connection =
          DriverManager.getConnection(H2PolicyStore.jdbcUrl(dataDir), "attache", "");
      try (Statement statement = connection.createStatement()) {
        statement.execute(SCHEMA);
      }
      return new BootstrapTokens(connection, clock);
    } catch (Exception e) {
      throw new StoreException("cannot open the bootstrap token table in " + dataDir, e);
    }
  }

  public synchronized IssuedToken issue(SpiffeId identity) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    byte[] id = new byte[8];
    random.nextBytes(id);
    IssuedToken issued =
        new IssuedToken(HexFormat.of().formatHex(id), identity, token, clock.instant());
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO identity_tokens (id, identity, token_sha256, created_at) VALUES (?, ?, ?, ?)")) {
      insert.setString(1, issued.id());
      insert.setString(2, identity.uri());
      insert.setString(3, sha256(token));
      insert.setTimestamp(4, Timestamp.from(issued.createdAt()));
      insert.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot store a bootstrap token for " + identity, e);
    }
    return issued;
  }

  @Override
  public synchronized Optional<String> identityOf(String token) {
    if (!token.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT identity FROM identity_tokens WHERE token_sha256 = ?")) {
      select.setString(1, sha256(token));
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot look up a bootstrap token", e);
    }
  }

  public synchronized List<TokenInfo> list(SpiffeId identity) {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT id, created_at FROM identity_tokens WHERE identity = ? ORDER BY created_at, id")) {
      select.setString(1, identity.uri());
      List<TokenInfo> tokens = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          tokens.add(
              new TokenInfo(rows.getString(1), identity.uri(), rows.getTimestamp(2).toInstant()));
        }
      }
      return tokens;
    } catch (SQLException e) {
      throw new StoreException("cannot list the bootstrap tokens of " + identity, e);
    }
  }

  /** True when the identity had a token with that id, which no longer works. */
  public synchronized boolean revoke(SpiffeId identity, String id) {
    try (PreparedStatement delete =
        connection.prepareStatement("DELETE FROM identity_tokens WHERE identity = ? AND id = ?")) {
      delete.setString(1, identity.uri());
      delete.setString(2, id);
      return delete.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StoreException("cannot revoke a bootstrap token of " + identity, e);
    }
  }

  private static String sha256(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw new StoreException("cannot close the bootstrap token table", e);
    }
  }
}
