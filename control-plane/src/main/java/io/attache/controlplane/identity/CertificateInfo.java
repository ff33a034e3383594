package io.attache.controlplane.identity;

import java.time.Instant;

/**
 * What may be shown about a certificate — identity, serial, validity — and nothing secret. The
 * proxy status uses it; {@link #NONE} stands for "no certificate issued".
 */
public record CertificateInfo(
    String identity, String serialHex, Instant notBefore, Instant notAfter) {

  public static final CertificateInfo NONE =
      new CertificateInfo("", "", Instant.EPOCH, Instant.EPOCH);

  public boolean issued() {
    return !serialHex.isEmpty();
  }
}
