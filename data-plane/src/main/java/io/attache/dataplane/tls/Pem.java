package io.attache.dataplane.tls;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys from an Envoy {@code DataSource} (inline string,
 * inline bytes or a file read once). Errors name the field path and never echo key material.
 */
final class Pem {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Pem() {}

  /** What Envoy prints for material that was not read from a file. */
  static final String INLINE = "<inline>";

  /** Envoy's {@code DataSource} path: the file's name, or {@code <inline>}. */
  static String sourceName(DataSource source) {
    return source.getSpecifierCase() == DataSource.SpecifierCase.FILENAME
        ? source.getFilename()
        : INLINE;
  }

  static byte[] bytes(DataSource source, String path) throws ConfigException {
    return switch (source.getSpecifierCase()) {
      case INLINE_STRING -> source.getInlineString().getBytes(StandardCharsets.UTF_8);
      case INLINE_BYTES -> source.getInlineBytes().toByteArray();
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(source.getFilename()));
        } catch (IOException e) {
          throw new ConfigException(
              path + ".filename", "cannot read " + source.getFilename() + ": " + e.getMessage());
        }
      }
      case ENVIRONMENT_VARIABLE ->
          throw new ConfigException(
              path + ".environment_variable", "is not supported for TLS material");
      case SPECIFIER_NOT_SET -> throw new ConfigException(path, "is required");
    };
  }

  static List<X509Certificate> certificates(DataSource source, String path) throws ConfigException {
    byte[] pem = bytes(source, path);
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new ConfigException(path, "not a PEM certificate: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new ConfigException(path, "holds no PEM certificate");
    }
    return List.copyOf(out);
  }

  static PrivateKey privateKey(DataSource source, String path) throws ConfigException {
    String pem = new String(bytes(source, path), StandardCharsets.US_ASCII);
    Matcher m = PRIVATE_KEY.matcher(pem);
    if (!m.find()) {
      throw new ConfigException(
          path, "must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1).replaceAll("\\s", ""));
    for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new ConfigException(path, "not an EC, RSA or Ed25519 private key");
  }
}
