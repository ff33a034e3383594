package io.attache.controlplane.ca;

import io.attache.controlplane.identity.SpiffeId;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh's certificate authority: signs short-lived EC P-256 workload certificates whose only
 * name is a SPIFFE URI SAN, and the xDS server's own certificate. Its signing key is either a root
 * generated on first start and kept in the data directory (key file 0600), or an operator's root or
 * intermediate read from PEM files. Thread-safe; never logs or returns key material except as the
 * {@link IssuedCertificate} of a certificate it just issued.
 */
public final class CertificateAuthority {

  private static final Logger log = LoggerFactory.getLogger(CertificateAuthority.class);

  static final String ROOT_CERT_FILE = "root-cert.pem";
  static final String ROOT_KEY_FILE = "root-key.pem";
  static final Duration ROOT_LIFETIME = Duration.ofDays(3650);

  /**
   * Certificates start this much before their issue time, so a peer whose clock is behind ours
   * accepts them.
   */
  static final Duration CLOCK_SKEW_ALLOWANCE = Duration.ofMinutes(1);

  private final String trustDomain;
  private final X509Certificate signer;
  private final PrivateKey signerKey;

  /** Sent after a leaf: the signer and any intermediates above it, never the root. */
  private final List<X509Certificate> intermediates;

  private final X509Certificate root;
  private final Clock clock;
  private final SecureRandom random;

  private CertificateAuthority(
      String trustDomain,
      List<X509Certificate> signerChain,
      PrivateKey signerKey,
      Clock clock,
      SecureRandom random) {
    this.trustDomain = trustDomain;
    this.signer = signerChain.get(0);
    this.signerKey = signerKey;
    this.root = signerChain.get(signerChain.size() - 1);
    this.intermediates = List.copyOf(signerChain.subList(0, signerChain.size() - 1));
    this.clock = clock;
    this.random = random;
  }

  /**
   * The root kept in {@code caDir}, generated there (certificate and a 0600 key file) on first
   * start.
   */
  public static CertificateAuthority generatedIn(Path caDir, String trustDomain, Clock clock)
      throws IOException {
    Path certFile = caDir.resolve(ROOT_CERT_FILE);
    Path keyFile = caDir.resolve(ROOT_KEY_FILE);
    SecureRandom random = new SecureRandom();
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      return fromFiles(certFile, keyFile, trustDomain, clock);
    }
    Files.createDirectories(caDir);
    KeyPair keys = newKeyPair(random);
    X509Certificate root = selfSignedRoot(keys, trustDomain, clock.instant(), random);
    writeSecret(keyFile, Pem.privateKey(keys.getPrivate()));
    writeAtomically(certFile, Pem.certificates(List.of(root)));
    log.info(
        "generated a new mesh root CA for trust domain {} in {} (serial {}, expires {})",
        trustDomain,
        caDir,
        root.getSerialNumber().toString(16),
        root.getNotAfter().toInstant());
    return new CertificateAuthority(trustDomain, List.of(root), keys.getPrivate(), clock, random);
  }

  /**
   * An operator's CA: {@code certFile} holds the signing certificate first, then its chain up to
   * and including the self-signed root (one certificate when the signer is the root); {@code
   * keyFile} holds the signing certificate's private key.
   */
  public static CertificateAuthority fromFiles(
      Path certFile, Path keyFile, String trustDomain, Clock clock) throws IOException {
    List<X509Certificate> chain =
        Pem.readCertificates(Files.readString(certFile, StandardCharsets.US_ASCII));
    PrivateKey key = Pem.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
    validateSigner(certFile, chain, key, clock.instant());
    return new CertificateAuthority(trustDomain, chain, key, clock, new SecureRandom());
  }

  /** A new self-signed root for {@code trustDomain}, to be kept by the caller. */
  static IssuedRoot newRoot(String trustDomain, Clock clock) {
    SecureRandom random = new SecureRandom();
    KeyPair keys = newKeyPair(random);
    return new IssuedRoot(
        selfSignedRoot(keys, trustDomain, clock.instant(), random), keys.getPrivate());
  }

  /** A root and its key, as {@link #newRoot} made them. */
  record IssuedRoot(X509Certificate certificate, PrivateKey key) {}

  /**
   * A CA from a chain and key already in memory (read from the shared store), checked as {@link
   * #fromFiles} checks files; {@code source} names where they came from in errors.
   */
  static CertificateAuthority fromChain(
      String source, List<X509Certificate> chain, PrivateKey key, String trustDomain, Clock clock)
      throws IOException {
    validateSigner(source, chain, key, clock.instant());
    return new CertificateAuthority(trustDomain, chain, key, clock, new SecureRandom());
  }

  public String trustDomain() {
    return trustDomain;
  }

  /** The root every mesh peer trusts: Envoy's ROOTCA trusted_ca. */
  public X509Certificate root() {
    return root;
  }

  public String trustBundlePem() {
    return Pem.certificates(List.of(root));
  }

  /** A workload certificate: new EC P-256 key, URI SAN = the SPIFFE ID, client and server use. */
  public IssuedCertificate issueWorkload(SpiffeId identity, Duration lifetime) {
    return issue(
        identity,
        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri())),
        lifetime);
  }

  /**
   * The xDS server's certificate: its SPIFFE ID plus the DNS names and IP addresses proxies dial it
   * by, which TLS clients check.
   */
  public IssuedCertificate issueServer(
      SpiffeId identity, List<String> hostNames, Duration lifetime) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
    for (String host : hostNames) {
      names.add(
          isIpLiteral(host)
              ? new GeneralName(GeneralName.iPAddress, host)
              : new GeneralName(GeneralName.dNSName, host));
    }
    return issue(identity, names, lifetime);
  }

  private IssuedCertificate issue(SpiffeId identity, List<GeneralName> names, Duration lifetime) {
    if (!identity.trustDomain().equals(trustDomain)) {
      throw new IllegalArgumentException(
          identity + " is not in this CA's trust domain " + trustDomain);
    }
    Instant now = clock.instant();
    KeyPair keys = newKeyPair(random);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  signer,
                  serial(random),
                  Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)),
                  Date.from(now.plus(lifetime)),
                  organisation(trustDomain, null),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(names.toArray(GeneralName[]::new)))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(signer));
      X509Certificate leaf = sign(builder, signerKey);
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(leaf);
      chain.addAll(intermediates);
      return new IssuedCertificate(identity, chain, keys.getPrivate(), now);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + identity, e);
    }
  }

  private static X509Certificate selfSignedRoot(
      KeyPair keys, String trustDomain, Instant now, SecureRandom random) {
    X500Name subject = organisation(trustDomain, "Attaché mesh root CA");
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(random),
                  Date.from(now.minus(CLOCK_SKEW_ALLOWANCE)),
                  Date.from(now.plus(ROOT_LIFETIME)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()));
      return sign(builder, keys.getPrivate());
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate the root CA", e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(signatureAlgorithm(key)).build(key)));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return switch (key.getAlgorithm()) {
      case "EC", "ECDSA" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      default ->
          throw new IllegalArgumentException(
              "CA keys must be EC or RSA, not " + key.getAlgorithm());
    };
  }

  private static X500Name organisation(String trustDomain, String commonName) {
    X500NameBuilder name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, trustDomain);
    if (commonName != null) {
      name.addRDN(BCStyle.CN, commonName);
    }
    return name.build();
  }

  /** 127 random bits, positive and never zero: unguessable, as CA/B forum rules ask. */
  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).setBit(126);
  }

  static KeyPair newKeyPair(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot generate EC P-256 keys", e);
    }
  }

  private static void validateSigner(
      Object certFile, List<X509Certificate> chain, PrivateKey key, Instant now)
      throws IOException {
    X509Certificate signer = chain.get(0);
    if (signer.getBasicConstraints() < 0) {
      throw new IOException(certFile + ": the first certificate is not a CA (basicConstraints)");
    }
    boolean[] usage = signer.getKeyUsage();
    if (usage != null && !usage[5]) {
      throw new IOException(
          certFile + ": the first certificate may not sign certificates (keyCertSign)");
    }
    if (!matches(signer.getPublicKey(), key)) {
      throw new IOException(certFile + ": the key does not belong to the first certificate");
    }
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate certificate = chain.get(i);
      if (now.isAfter(certificate.getNotAfter().toInstant())) {
        throw new IOException(
            certFile
                + ": certificate "
                + i
                + " expired at "
                + certificate.getNotAfter().toInstant());
      }
      X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : certificate;
      try {
        certificate.verify(issuer.getPublicKey());
      } catch (GeneralSecurityException e) {
        throw new IOException(
            certFile
                + (i + 1 < chain.size()
                    ? ": certificate " + i + " is not signed by certificate " + (i + 1)
                    : ": the last certificate is not a self-signed root; an intermediate CA needs"
                        + " its chain up to the root in the same file"));
      }
    }
  }

  /** Proves possession: a signature by the key verifies with the certificate's public key. */
  private static boolean matches(PublicKey publicKey, PrivateKey key) {
    try {
      String algorithm = signatureAlgorithm(key);
      byte[] probe = "attache-ca-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature signing = Signature.getInstance(algorithm);
      signing.initSign(key);
      signing.update(probe);
      byte[] signature = signing.sign();
      Signature verifying = Signature.getInstance(algorithm);
      verifying.initVerify(publicKey);
      verifying.update(probe);
      return verifying.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean isIpLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    if (!host.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
      return false;
    }
    try {
      InetAddress.getByName(host); // a dotted quad: parsed, never resolved
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes a key file readable by its owner only; the permissions are set before any byte is
   * written.
   */
  private static void writeSecret(Path file, String content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          temporary,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      log.warn(
          "{}: this file system has no POSIX permissions; restrict access to it yourself", file);
      Files.createFile(temporary);
    }
    Files.writeString(temporary, content, StandardCharsets.US_ASCII);
    move(temporary, file);
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, content, StandardCharsets.US_ASCII);
    move(temporary, file);
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public String toString() {
    return "CertificateAuthority[trustDomain="
        + trustDomain
        + ", signer="
        + signer.getSubjectX500Principal()
        + ", key=<redacted>]";
  }
}
