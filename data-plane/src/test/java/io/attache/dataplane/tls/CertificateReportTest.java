package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.SubjectAlternateName;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateReportTest {
  private final SecretStore store = new SecretStore();
  private final TestPki.Ca ca = TestPki.newCa("mesh");
  private final TestPki.Issued leaf =
      ca.issue("web", List.of("spiffe://mesh.local/ns/shop/sa/web"), List.of("web.shop"));

  private SecretBackedContext<String> contextWithLeafAndCa() {
    return new SecretBackedContext<>(
        new CommonTlsConfig(
            Optional.of(
                new SecretSource.Inline<>(
                    new CertificateKeyPair(List.of(leaf.certificate()), leaf.key()))),
            Optional.of(
                new SecretSource.Inline<>(
                    new ValidationContext(List.of(ca.certificate()), SanMatcher.NONE))),
            SanMatcher.NONE,
            List.of(),
            TlsParams.defaults(TlsParams.Side.SERVER)),
        store,
        "listener TLS context",
        (certificate, validation) -> "built");
  }

  @Test
  void listsTheCaAndChainOfEveryLiveContextUntilItCloses() {
    Instant now = Instant.now();
    SecretBackedContext<String> context = contextWithLeafAndCa();

    Certificates report = CertificateReport.certificates(store, now);

    assertThat(report.getCertificatesList()).hasSize(1);
    assertThat(report.getCertificates(0).getCaCertList()).hasSize(1);
    assertThat(report.getCertificates(0).getCertChain(0).getSubjectAltNamesList())
        .containsExactlyInAnyOrder(
            SubjectAlternateName.newBuilder().setUri("spiffe://mesh.local/ns/shop/sa/web").build(),
            SubjectAlternateName.newBuilder().setDns("web.shop").build());
    assertThat(report.getCertificates(0).getCertChain(0).getSerialNumber())
        .isEqualTo(leaf.certificate().getSerialNumber().toString(16));
    assertThat(report.getCertificates(0).getCertChain(0).getPath()).isEqualTo("<inline>");

    context.close();
    assertThat(CertificateReport.certificates(store, now).getCertificatesList()).isEmpty();
  }

  @Test
  void aCertificateReadFromAFileShowsTheFilesPathAsEnvoyDoes(@TempDir Path dir) throws Exception {
    Path chain = Files.writeString(dir.resolve("chain.pem"), leaf.certPem());
    Path key = Files.writeString(dir.resolve("key.pem"), leaf.keyPem());
    Path bundle = Files.writeString(dir.resolve("ca.pem"), ca.pem());
    CertificateKeyPair fromFile =
        CertificateKeyPair.from(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setFilename(chain.toString()))
                .setPrivateKey(DataSource.newBuilder().setFilename(key.toString()))
                .build(),
            "tls_certificate");
    ValidationContext trustFromFile =
        ValidationContext.from(
            CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setFilename(bundle.toString()))
                .build(),
            "validation_context");
    SecretBackedContext<String> context =
        new SecretBackedContext<>(
            new CommonTlsConfig(
                Optional.of(new SecretSource.Inline<>(fromFile)),
                Optional.of(new SecretSource.Inline<>(trustFromFile)),
                SanMatcher.NONE,
                List.of(),
                TlsParams.defaults(TlsParams.Side.SERVER)),
            store,
            "listener TLS context",
            (certificate, validation) -> "built");

    Certificates report = CertificateReport.certificates(store, Instant.now());

    assertThat(report.getCertificates(0).getCertChain(0).getPath()).isEqualTo(chain.toString());
    assertThat(report.getCertificates(0).getCaCert(0).getPath()).isEqualTo(bundle.toString());
    context.close();
  }

  @Test
  void daysUntilTheFirstExpiryCountWholeDaysAndDefaultToEnvoysMaximum() {
    assertThat(CertificateReport.daysUntilFirstExpiring(store, Instant.now()))
        .isEqualTo(4294967295L);
    contextWithLeafAndCa();
    Instant expiry = leaf.certificate().getNotAfter().toInstant();
    assertThat(CertificateReport.daysUntilFirstExpiring(store, expiry.minus(Duration.ofHours(49))))
        .isEqualTo(2);
    assertThat(CertificateReport.daysUntilFirstExpiring(store, expiry.plusSeconds(1))).isZero();
  }
}
