package io.attache.controlplane.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh root that every replica of a shared store signs with, kept in PostgreSQL's {@code
 * mesh_ca} row: generated once, by whichever replica starts first (the others find its row; a race
 * is settled by the row's primary key, and the losers read the winner's root), its private key
 * sealed with the operator's {@link CaKeyEncryptionKey} and the sealed form bound to the trust
 * domain and certificate. A replica started with another key or trust domain refuses to start,
 * saying which. The private key never leaves this process unsealed and is never logged.
 */
public final class SharedRootCa {

  private static final Logger LOG = LoggerFactory.getLogger(SharedRootCa.class);

  private SharedRootCa() {}

  /** The shared root, generating and storing it first if no replica has. */
  public static CertificateAuthority loadOrGenerate(
      DataSource database, CaKeyEncryptionKey key, String trustDomain, Clock clock)
      throws IOException {
    try (Connection connection = database.getConnection()) {
      Optional<Row> row = read(connection);
      if (row.isEmpty()) {
        CertificateAuthority.IssuedRoot root = CertificateAuthority.newRoot(trustDomain, clock);
        if (insert(connection, trustDomain, root.certificate(), root.key(), key, clock)) {
          LOG.info(
              "generated the mesh root CA for trust domain {} in the shared store (serial {},"
                  + " key sealed with key id {})",
              trustDomain,
              root.certificate().getSerialNumber().toString(16),
              key.id());
        }
        row = read(connection);
      }
      return open(row.orElseThrow(), key, trustDomain, clock);
    } catch (SQLException e) {
      throw new IOException("cannot read the mesh CA from the shared store: " + e.getMessage(), e);
    }
  }

  /**
   * Puts an existing root (the one an embedded control plane generated in its data directory) into
   * an empty shared store, so moving to replicas keeps the root every proxy already trusts. Refuses
   * when the store already holds a different root.
   */
  public static void importRoot(
      DataSource database,
      CaKeyEncryptionKey key,
      String trustDomain,
      java.nio.file.Path certFile,
      java.nio.file.Path keyFile,
      Clock clock)
      throws IOException {
    List<X509Certificate> chain =
        Pem.readCertificates(java.nio.file.Files.readString(certFile, StandardCharsets.US_ASCII));
    PrivateKey privateKey =
        Pem.readPrivateKey(java.nio.file.Files.readString(keyFile, StandardCharsets.US_ASCII));
    if (chain.size() != 1) {
      throw new IOException(
          certFile
              + ": only a self-signed root can be kept in the store; give an intermediate"
              + " to every replica with --ca-cert and --ca-key instead");
    }
    CertificateAuthority.fromChain(certFile.toString(), chain, privateKey, trustDomain, clock);
    try (Connection connection = database.getConnection()) {
      if (!insert(connection, trustDomain, chain.get(0), privateKey, key, clock)) {
        Row existing = read(connection).orElseThrow();
        if (!existing.certificatePem().equals(Pem.certificates(chain))) {
          throw new IOException("the shared store already holds a different mesh root");
        }
      }
    } catch (SQLException e) {
      throw new IOException("cannot write the mesh CA to the shared store: " + e.getMessage(), e);
    }
  }

  /** Inserts the root unless a row exists; true when this call inserted it. */
  private static boolean insert(
      Connection connection,
      String trustDomain,
      X509Certificate certificate,
      PrivateKey privateKey,
      CaKeyEncryptionKey key,
      Clock clock)
      throws SQLException {
    String pem = Pem.certificates(List.of(certificate));
    CaKeyEncryptionKey.Sealed sealed =
        key.seal(privateKey.getEncoded(), associatedData(trustDomain, pem));
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO mesh_ca (id, trust_domain, certificate_pem, key_nonce,"
                + " key_ciphertext, kek_id, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (id) DO NOTHING")) {
      insert.setString(1, trustDomain);
      insert.setString(2, pem);
      insert.setBytes(3, sealed.nonce());
      insert.setBytes(4, sealed.ciphertext());
      insert.setString(5, key.id());
      insert.setTimestamp(6, Timestamp.from(clock.instant()));
      return insert.executeUpdate() == 1;
    }
  }

  private record Row(
      String trustDomain, String certificatePem, byte[] nonce, byte[] ciphertext, String keyId) {}

  private static Optional<Row> read(Connection connection) throws SQLException {
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT trust_domain, certificate_pem, key_nonce, key_ciphertext, kek_id"
                    + " FROM mesh_ca WHERE id = 1");
        ResultSet rows = select.executeQuery()) {
      if (!rows.next()) {
        return Optional.empty();
      }
      return Optional.of(
          new Row(
              rows.getString(1),
              rows.getString(2),
              rows.getBytes(3),
              rows.getBytes(4),
              rows.getString(5)));
    }
  }

  private static CertificateAuthority open(
      Row row, CaKeyEncryptionKey key, String trustDomain, Clock clock) throws IOException {
    if (!row.trustDomain().equals(trustDomain)) {
      throw new IOException(
          "the shared store's mesh CA is for trust domain "
              + row.trustDomain()
              + ", but this replica was started with --trust-domain "
              + trustDomain);
    }
    if (!row.keyId().equals(key.id())) {
      throw new IOException(
          "the shared store's CA key was sealed with key id "
              + row.keyId()
              + ", but this replica's --ca-key-encryption-key has id "
              + key.id()
              + ": give every replica the same key");
    }
    byte[] encoded;
    try {
      encoded =
          key.open(
              new CaKeyEncryptionKey.Sealed(row.nonce(), row.ciphertext()),
              associatedData(row.trustDomain(), row.certificatePem()));
    } catch (AEADBadTagException e) {
      throw new IOException(
          "the shared store's CA key does not open with this key: the row was altered", e);
    }
    PrivateKey privateKey;
    try {
      // Roots this class generates are EC P-256, as every key the CA makes.
      privateKey = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(encoded));
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("the shared store's CA key is not a PKCS#8 EC key", e);
    }
    List<X509Certificate> chain = Pem.readCertificates(row.certificatePem());
    return CertificateAuthority.fromChain(
        "the shared store's mesh CA", chain, privateKey, trustDomain, clock);
  }

  private static byte[] associatedData(String trustDomain, String certificatePem) {
    return ("attache mesh CA\n" + trustDomain + "\n" + certificatePem)
        .getBytes(StandardCharsets.UTF_8);
  }
}
