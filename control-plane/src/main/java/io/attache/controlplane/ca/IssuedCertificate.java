package io.attache.controlplane.ca;

import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.identity.SpiffeId;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A certificate the CA issued and its private key. {@code chain} is leaf first, then any
 * intermediates up to (not including) the root, which is what a TLS peer sends. Immutable. The key
 * never leaves through {@link #toString()}: it is redacted, so logging a holder is safe.
 */
public record IssuedCertificate(
    SpiffeId identity, List<X509Certificate> chain, PrivateKey privateKey, Instant issuedAt) {

  public IssuedCertificate {
    chain = List.copyOf(chain);
  }

  public X509Certificate leaf() {
    return chain.get(0);
  }

  public BigInteger serial() {
    return leaf().getSerialNumber();
  }

  /** The serial as Envoy's admin /certs shows it: lower-case hex. */
  public String serialHex() {
    return serial().toString(16);
  }

  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  /** From issue to expiry: the span the half-life renewal is measured on. */
  public Duration lifetime() {
    return Duration.between(issuedAt, notAfter());
  }

  public String chainPem() {
    return Pem.certificates(chain);
  }

  public String privateKeyPem() {
    return Pem.privateKey(privateKey);
  }

  public CertificateInfo info() {
    return new CertificateInfo(identity.uri(), serialHex(), notBefore(), notAfter());
  }

  @Override
  public String toString() {
    return "IssuedCertificate[identity="
        + identity
        + ", serial="
        + serialHex()
        + ", notAfter="
        + notAfter()
        + ", privateKey=<redacted>]";
  }
}
