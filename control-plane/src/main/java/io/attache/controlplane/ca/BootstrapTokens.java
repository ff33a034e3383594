package io.attache.controlplane.ca;

import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.store.StoreException;
import io.attache.controlplane.xds.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Per-identity bootstrap tokens: how a proxy that has no certificate yet proves its identity to the
 * xDS server (gRPC metadata {@code authorization: Bearer <token>}). The operator issues one through
 * REST and sees it once; only its SHA-256 is kept, in the store's database (the embedded H2 file,
 * or the PostgreSQL every replica shares, so a token issued or revoked through one replica is valid
 * or refused on all of them at once: nothing is cached). A plain hash suffices because tokens are
 * 256 random bits, not passwords. Tokens stay valid until revoked. Thread-safe; never logs a token.
 */
public final class BootstrapTokens implements TokenVerifier, AutoCloseable {

  private static final String PREFIX = "atk_";

  private final DataSource database;
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

  /**
   * Tokens in {@code database}'s {@code identity_tokens} table (made by the store's migrations).
   */
  public BootstrapTokens(DataSource database, Clock clock) {
    this.database = database;
    this.clock = clock;
  }

  public IssuedToken issue(SpiffeId identity) {
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    byte[] id = new byte[8];
    random.nextBytes(id);
    IssuedToken issued =
        new IssuedToken(HexFormat.of().formatHex(id), identity, token, clock.instant());
    try (Connection connection = database.getConnection();
        PreparedStatement insert =
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
  public Optional<String> identityOf(String token) {
    if (!token.startsWith(PREFIX)) {
      return Optional.empty();
    }
    try (Connection connection = database.getConnection();
        PreparedStatement select =
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

  public List<TokenInfo> list(SpiffeId identity) {
    try (Connection connection = database.getConnection();
        PreparedStatement select =
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
  public boolean revoke(SpiffeId identity, String id) {
    try (Connection connection = database.getConnection();
        PreparedStatement delete =
            connection.prepareStatement(
                "DELETE FROM identity_tokens WHERE identity = ? AND id = ?")) {
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

  /** The database belongs to the store; nothing of the tokens' own to release. */
  @Override
  public void close() {}
}
