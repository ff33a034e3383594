package io.attache.dataplane.tls;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.Certificate;
import io.envoyproxy.envoy.admin.v3.CertificateDetails;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.SubjectAlternateName;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * What Envoy's {@code /certs} reports and {@code server.days_until_first_cert_expiring} counts down
 * to: the CA and chain certificates of every live TLS context, read from the {@link SecretStore}'s
 * material in use. Pure; never touches a private key.
 */
public final class CertificateReport {
  private static final long NO_CERTIFICATE_DAYS = 4294967295L;

  private CertificateReport() {}

  /** Envoy's {@code admin.v3.Certificates}, one entry per live context. */
  public static Certificates certificates(SecretStore store, Instant now) {
    Certificates.Builder out = Certificates.newBuilder();
    for (SecretStore.MaterialInUse material : store.inUse()) {
      Certificate.Builder context = Certificate.newBuilder();
      material
          .validation()
          .ifPresent(
              v -> v.trustedCa().forEach(c -> context.addCaCert(details(c, v.source(), now))));
      material
          .certificate()
          .ifPresent(
              k -> k.chain().forEach(c -> context.addCertChain(details(c, k.source(), now))));
      out.addCertificates(context);
    }
    return out.build();
  }

  /** Whole days until the first certificate in use expires; Envoy's 2^32-1 when there is none. */
  public static long daysUntilFirstExpiring(SecretStore store, Instant now) {
    long min = NO_CERTIFICATE_DAYS;
    for (SecretStore.MaterialInUse material : store.inUse()) {
      for (X509Certificate c : material.validation().map(v -> v.trustedCa()).orElse(List.of())) {
        min = Math.min(min, daysUntil(c, now));
      }
      for (X509Certificate c : material.certificate().map(k -> k.chain()).orElse(List.of())) {
        min = Math.min(min, daysUntil(c, now));
      }
    }
    return min;
  }

  private static long daysUntil(X509Certificate certificate, Instant now) {
    Duration left = Duration.between(now, certificate.getNotAfter().toInstant());
    return left.isNegative() ? 0 : left.toDays();
  }

  /** {@code path} is where the certificate was read: a file's path or {@code <inline>}. */
  private static CertificateDetails details(X509Certificate certificate, String path, Instant now) {
    CertificateDetails.Builder out =
        CertificateDetails.newBuilder()
            .setPath(path)
            .setSerialNumber(certificate.getSerialNumber().toString(16))
            .setDaysUntilExpiration(daysUntil(certificate, now))
            .setValidFrom(timestamp(certificate.getNotBefore().toInstant()))
            .setExpirationTime(timestamp(certificate.getNotAfter().toInstant()));
    try {
      Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          String value = String.valueOf(san.get(1));
          switch ((Integer) san.get(0)) {
            case 2 -> out.addSubjectAltNames(SubjectAlternateName.newBuilder().setDns(value));
            case 6 -> out.addSubjectAltNames(SubjectAlternateName.newBuilder().setUri(value));
            case 7 -> out.addSubjectAltNames(SubjectAlternateName.newBuilder().setIpAddress(value));
            default -> {}
          }
        }
      }
    } catch (CertificateParsingException e) {
      // a certificate whose SAN extension cannot be read shows none
    }
    return out.build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
