package io.attache.controlplane.rest;

import io.javalin.config.JavalinConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * How the admin API listens: plain HTTP ({@link #PLAINTEXT}) or HTTPS with a PEM certificate chain
 * and private key read once at start-up. The key is checked against the certificate before anything
 * listens, so a wrong pair fails start-up instead of every handshake. Keys are kept in an in-memory
 * key store only; never written anywhere.
 */
public final class AdminTls {

  /** Plain HTTP: Javalin's default connector. */
  public static final AdminTls PLAINTEXT = new AdminTls(null, null, "none", null);

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

  private static final String ALIAS = "attache-admin";

  private final KeyStore keyStore;
  private final char[] password;
  private final String description;
  private final String trustAnchorPem;

  private AdminTls(KeyStore keyStore, char[] password, String description, String trustAnchorPem) {
    this.keyStore = keyStore;
    this.password = password;
    this.description = description;
    this.trustAnchorPem = trustAnchorPem;
  }

  /** Reads the certificate chain (leaf first) and its PKCS#8 or PKCS#1 private key. */
  public static AdminTls fromPem(Path certFile, Path keyFile) {
    X509Certificate[] chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile, chain[0].getPublicKey().getAlgorithm());
    checkPair(key, chain[0], certFile, keyFile);
    try {
      char[] password = randomPassword();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password, chain);
      return new AdminTls(
          store,
          password,
          chain[0].getSubjectX500Principal().getName() + " from " + certFile,
          pem(chain[chain.length - 1]));
    } catch (GeneralSecurityException | IOException e) {
      throw new AdminConfigException("cannot build a key store from " + certFile + ": " + e, e);
    }
  }

  /**
   * The last certificate of the served chain (its root, or the self-signed leaf alone), PEM: what a
   * client of the API (a proxy fetching the JWKS) trusts it by. Empty in the clear.
   */
  public java.util.Optional<String> trustAnchorPem() {
    return java.util.Optional.ofNullable(trustAnchorPem);
  }

  private static String pem(X509Certificate certificate) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE-----\n"
        + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
            .encodeToString(certificate.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  public boolean enabled() {
    return keyStore != null;
  }

  public String scheme() {
    return enabled() ? "https" : "http";
  }

  /** Makes Javalin listen on host:port, over TLS when a certificate was given. */
  void install(JavalinConfig config, String host, int port) {
    config.jetty.defaultHost = host;
    config.jetty.defaultPort = port;
    if (!enabled()) {
      return;
    }
    config.jetty.addConnector(
        (server, http) -> {
          SslContextFactory.Server tls = new SslContextFactory.Server();
          tls.setKeyStore(keyStore);
          tls.setKeyStorePassword(new String(password));
          tls.setCertAlias(ALIAS);
          HttpConfiguration https = new HttpConfiguration(http);
          // The client checks the server's name against the certificate; a second check here
          // would only turn a valid request by IP address into a 400.
          https.addCustomizer(new SecureRequestCustomizer(false));
          ServerConnector connector =
              new ServerConnector(
                  server,
                  new SslConnectionFactory(tls, HttpVersion.HTTP_1_1.asString()),
                  new HttpConnectionFactory(https));
          connector.setHost(host);
          connector.setPort(port);
          return connector;
        });
  }

  private static X509Certificate[] certificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<? extends Certificate> certificates =
          List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
      if (certificates.isEmpty()) {
        throw new AdminConfigException(file + ": no PEM certificate found");
      }
      return certificates.toArray(X509Certificate[]::new);
    } catch (IOException | GeneralSecurityException e) {
      throw new AdminConfigException("cannot read the certificate " + file + ": " + e, e);
    }
  }

  private static PrivateKey privateKey(Path file, String algorithm) {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new AdminConfigException("cannot read the private key " + file + ": " + e, e);
    }
    Matcher block = PEM.matcher(pem);
    while (block.find()) {
      String type = block.group(1);
      byte[] der = Base64.getMimeDecoder().decode(block.group(2));
      byte[] pkcs8;
      switch (type) {
        case "PRIVATE KEY" -> pkcs8 = der;
        case "RSA PRIVATE KEY" -> pkcs8 = rsaPkcs1ToPkcs8(der);
        case "CERTIFICATE", "EC PARAMETERS" -> {
          continue;
        }
        default ->
            throw new AdminConfigException(
                file
                    + ": a '"
                    + type
                    + "' key is not supported; convert it to an unencrypted PKCS#8"
                    + " 'PRIVATE KEY' with: openssl pkcs8 -topk8 -nocrypt");
      }
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      } catch (GeneralSecurityException e) {
        throw new AdminConfigException(
            file + ": not a " + algorithm + " private key matching the certificate: " + e, e);
      }
    }
    throw new AdminConfigException(file + ": no PEM private key found");
  }

  private static void checkPair(PrivateKey key, X509Certificate leaf, Path cert, Path keyFile) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign as themselves
        };
    try {
      byte[] challenge = "attache-admin-tls".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(challenge);
      if (!verifier.verify(signature)) {
        throw new AdminConfigException(
            keyFile + " is not the private key of the first certificate in " + cert);
      }
    } catch (GeneralSecurityException e) {
      throw new AdminConfigException("cannot check " + keyFile + " against " + cert + ": " + e, e);
    }
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, which the JDK reads. */
  private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    byte[] version = {0x02, 0x01, 0x00};
    byte[] rsaAlgorithm = {
      0x30,
      0x0d,
      0x06,
      0x09,
      0x2a,
      (byte) 0x86,
      0x48,
      (byte) 0x86,
      (byte) 0xf7,
      0x0d,
      0x01,
      0x01,
      0x01,
      0x05,
      0x00
    };
    byte[] octets = der(0x04, pkcs1);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(rsaAlgorithm);
    body.writeBytes(octets);
    return der(0x30, body.toByteArray());
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      byte[] bytes = java.math.BigInteger.valueOf(length).toByteArray();
      int start = bytes[0] == 0 ? 1 : 0;
      out.write(0x80 | (bytes.length - start));
      out.write(bytes, start, bytes.length - start);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static char[] randomPassword() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes).toCharArray();
  }

  @Override
  public String toString() {
    return enabled() ? "TLS (" + description + ")" : "plaintext";
  }
}
