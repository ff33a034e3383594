package io.attache.controlplane.ca;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test fixture: an operator's intermediate CA signed by a root, as the PEM files --ca-cert/--ca-key
 * name.
 */
final class Intermediates {

  private Intermediates() {}

  /** Writes ca-cert.pem (intermediate, then root) and ca-key.pem into a fresh directory. */
  static Path write(Path dataDir, CertificateAuthority root, Instant now) throws Exception {
    PrivateKey rootKey =
        Pem.readPrivateKey(
            Files.readString(dataDir.resolve("root").resolve(CertificateAuthority.ROOT_KEY_FILE)));
    KeyPair keys = CertificateAuthority.newKeyPair(new SecureRandom());
    X509Certificate intermediate =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        root.root(),
                        BigInteger.valueOf(now.toEpochMilli()),
                        Date.from(now.minus(Duration.ofMinutes(5))),
                        Date.from(now.plus(Duration.ofDays(365))),
                        new X500Name("O=attache.local, CN=operator intermediate"),
                        keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(
                        Extension.keyUsage,
                        true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey)));
    Path files = Files.createDirectories(dataDir.resolve("operator"));
    Files.writeString(
        files.resolve("ca-cert.pem"), Pem.certificates(List.of(intermediate, root.root())));
    Files.writeString(files.resolve("ca-key.pem"), Pem.privateKey(keys.getPrivate()));
    return files;
  }
}
