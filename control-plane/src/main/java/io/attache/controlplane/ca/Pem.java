package io.attache.controlplane.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/**
 * PEM both ways for certificates and private keys, in the forms Envoy reads: certificates as {@code
 * CERTIFICATE} blocks, keys as PKCS#8 {@code PRIVATE KEY}. Reads SEC1/PKCS#1 keys too, as
 * operators' CA keys come in either. Stateless.
 */
public final class Pem {

  private Pem() {}

  public static String certificates(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (X509Certificate certificate : certificates) {
        writer.writeObject(certificate);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static String privateKey(PrivateKey key) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Every CERTIFICATE block, in file order; other blocks are an error. */
  public static List<X509Certificate> readCertificates(String pem) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object block;
      while ((block = parser.readObject()) != null) {
        if (!(block instanceof X509CertificateHolder holder)) {
          throw new IOException("expected only CERTIFICATE blocks, found " + kind(block));
        }
        certificates.add(converter.getCertificate(holder));
      }
    } catch (CertificateException e) {
      throw new IOException("not a valid certificate: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IOException("no CERTIFICATE block");
    }
    return certificates;
  }

  /** The one private key of a PEM file: PKCS#8, SEC1 (EC PRIVATE KEY) or PKCS#1 (RSA). */
  public static PrivateKey readPrivateKey(String pem) throws IOException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object block = parser.readObject();
      if (block instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      if (block instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      // Never echo the block itself: it may be key material in a form we do not read.
      throw new IOException(
          "expected an unencrypted PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block, found "
              + kind(block));
    }
  }

  private static String kind(Object block) {
    return block == null ? "nothing" : block.getClass().getSimpleName();
  }
}
