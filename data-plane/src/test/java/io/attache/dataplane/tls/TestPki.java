package io.attache.dataplane.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.jcajce.JcaBasicOCSPRespBuilder;
import org.bouncycastle.operator.DigestCalculator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Mints throw-away CAs and workload certificates (SPIFFE URI SANs, DNS SANs) in memory for TLS
 * tests, as PEM text an Envoy config can carry inline. Nothing is ever written to disk.
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  /** A certificate with its key, as PEM and as objects. */
  public record Issued(
      X509Certificate certificate, PrivateKey key, String certPem, String keyPem) {}

  /** A certificate authority that can issue leaves. */
  public static final class Ca {
    private final Issued self;
    private final KeyPair keys;

    private Ca(Issued self, KeyPair keys) {
      this.self = self;
      this.keys = keys;
    }

    public String pem() {
      return self.certPem();
    }

    public X509Certificate certificate() {
      return self.certificate();
    }

    /** A leaf with the given URI and DNS SANs (either list may be empty). */
    public Issued issue(String commonName, List<String> uris, List<String> dnsNames) {
      try {
        KeyPair leaf = ecKeys();
        X509v3CertificateBuilder b =
            new JcaX509v3CertificateBuilder(
                X500Name.getInstance(self.certificate().getSubjectX500Principal().getEncoded()),
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                java.util.Date.from(Instant.now().minus(1, ChronoUnit.HOURS)),
                java.util.Date.from(Instant.now().plus(1, ChronoUnit.DAYS)),
                new X500Name("CN=" + commonName + ",O=Attache Test"),
                leaf.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        uris.forEach(u -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
        dnsNames.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
        if (!sans.isEmpty()) {
          b.addExtension(
              Extension.subjectAlternativeName,
              false,
              new GeneralNames(sans.toArray(new GeneralName[0])));
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        X509Certificate cert = sign(b, keys.getPrivate());
        return new Issued(
            cert, leaf.getPrivate(), TestPki.pem(cert), TestPki.pem(leaf.getPrivate()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * A DER {@code OCSPResponse} signed by this CA saying {@code leaf} is good for a day, as {@code
     * openssl ocsp -respout} writes it (what Envoy's {@code ocsp_staple} reads).
     */
    public byte[] goodOcspResponse(X509Certificate leaf) {
      try {
        DigestCalculator sha1 =
            new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1);
        CertificateID id =
            new CertificateID(
                sha1, new JcaX509CertificateHolder(self.certificate()), leaf.getSerialNumber());
        BasicOCSPRespBuilder response =
            new JcaBasicOCSPRespBuilder(self.certificate().getPublicKey(), sha1);
        java.util.Date now = java.util.Date.from(Instant.now());
        response.addResponse(
            id,
            CertificateStatus.GOOD,
            now,
            java.util.Date.from(Instant.now().plus(1, ChronoUnit.DAYS)));
        BasicOCSPResp basic =
            response.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()),
                new X509CertificateHolder[] {new JcaX509CertificateHolder(self.certificate())},
                now);
        return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    public Issued spiffe(String uri) {
      return issue(uri.substring(uri.lastIndexOf('/') + 1), List.of(uri), List.of());
    }
  }

  private TestPki() {}

  public static Ca newCa(String name) {
    try {
      KeyPair keys = ecKeys();
      X500Name subject = new X500Name("CN=" + name + ",O=Attache Test");
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              subject,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              java.util.Date.from(Instant.now().minus(1, ChronoUnit.HOURS)),
              java.util.Date.from(Instant.now().plus(1, ChronoUnit.DAYS)),
              subject,
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate cert = sign(b, keys.getPrivate());
      return new Ca(new Issued(cert, keys.getPrivate(), pem(cert), pem(keys.getPrivate())), keys);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
  }

  public static String pem(X509Certificate cert) {
    try {
      return block("CERTIFICATE", cert.getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded()); // PKCS#8
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** PEM as a double-quoted YAML/JSON string with escaped newlines. */
  public static String quoted(String pem) {
    return "\"" + pem.replace("\n", "\\n") + "\"";
  }
}
