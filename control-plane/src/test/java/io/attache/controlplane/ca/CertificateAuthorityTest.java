package io.attache.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

  private static final SpiffeId ORDERS = new SpiffeId("attache.local", "shop", "orders");

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

  @TempDir Path dataDir;

  @Test
  void generatesARootOnFirstStartAndKeepsItsKeyReadableByTheOwnerOnly() throws Exception {
    CertificateAuthority first =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);

    Path keyFile = dataDir.resolve("ca").resolve(CertificateAuthority.ROOT_KEY_FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(first.root().getBasicConstraints()).isGreaterThanOrEqualTo(0);

    CertificateAuthority again =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);
    assertThat(again.root()).isEqualTo(first.root());
  }

  @Test
  void issuesWorkloadCertificatesThatChainToTheRootWithTheSpiffeIdAsTheirOnlyName()
      throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);

    IssuedCertificate issued = ca.issueWorkload(ORDERS, Duration.ofHours(24));

    validate(issued.chain(), ca.root(), clock.instant());
    X509Certificate leaf = issued.leaf();
    assertThat(leaf.getSubjectAlternativeNames())
        .containsExactly(List.of(6, "spiffe://attache.local/ns/shop/sa/orders"));
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(leaf.getPublicKey().toString()).contains("secp256r1");
  }

  @Test
  void workloadCertificatesLiveForTheirLifetimeStartingJustBeforeIssue() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);

    IssuedCertificate issued = ca.issueWorkload(ORDERS, Duration.ofHours(24));

    assertThat(issued.issuedAt()).isEqualTo(clock.instant());
    assertThat(issued.notAfter()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
    assertThat(issued.notBefore())
        .isEqualTo(clock.instant().minus(CertificateAuthority.CLOCK_SKEW_ALLOWANCE));
    assertThat(issued.lifetime()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void everyCertificateHasItsOwnKeyAndSerial() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);

    IssuedCertificate first = ca.issueWorkload(ORDERS, Duration.ofHours(1));
    IssuedCertificate second = ca.issueWorkload(ORDERS, Duration.ofHours(1));

    assertThat(second.serial()).isNotEqualTo(first.serial());
    assertThat(second.privateKey()).isNotEqualTo(first.privateKey());
    assertThat(first.serial().signum()).isPositive();
  }

  @Test
  void neverShowsAKeyInToString() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);
    IssuedCertificate issued = ca.issueWorkload(ORDERS, Duration.ofHours(1));

    assertThat(issued.toString())
        .contains("<redacted>", issued.serialHex())
        .doesNotContain(issued.privateKeyPem().lines().skip(1).findFirst().orElseThrow());
    assertThat(ca.toString()).contains("<redacted>");
  }

  @Test
  void refusesToIssueOutsideItsTrustDomain() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.generatedIn(dataDir.resolve("ca"), "attache.local", clock);

    assertThatThrownBy(
            () -> ca.issueWorkload(new SpiffeId("other.example", "ns", "sa"), Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trust domain attache.local");
  }

  @Test
  void signsWithAnOperatorsIntermediateAndSendsItAfterTheLeaf() throws Exception {
    // The operator's root, and an intermediate it signed: written as operators hand them over.
    CertificateAuthority operatorRoot =
        CertificateAuthority.generatedIn(dataDir.resolve("root"), "attache.local", clock);
    Path intermediateFiles = Intermediates.write(dataDir, operatorRoot, clock.instant());

    CertificateAuthority ca =
        CertificateAuthority.fromFiles(
            intermediateFiles.resolve("ca-cert.pem"),
            intermediateFiles.resolve("ca-key.pem"),
            "attache.local",
            clock);
    IssuedCertificate issued = ca.issueWorkload(ORDERS, Duration.ofHours(24));

    assertThat(issued.chain()).hasSize(2);
    assertThat(ca.root()).isEqualTo(operatorRoot.root());
    validate(issued.chain(), operatorRoot.root(), clock.instant());
  }

  @Test
  void refusesAnIntermediateWithoutItsChainToTheRoot() throws Exception {
    CertificateAuthority operatorRoot =
        CertificateAuthority.generatedIn(dataDir.resolve("root"), "attache.local", clock);
    Path files = Intermediates.write(dataDir, operatorRoot, clock.instant());
    String intermediateOnly =
        Files.readString(files.resolve("ca-cert.pem")).split("(?<=-----END CERTIFICATE-----\n)")[0];
    Files.writeString(files.resolve("ca-cert.pem"), intermediateOnly);

    assertThatThrownBy(
            () ->
                CertificateAuthority.fromFiles(
                    files.resolve("ca-cert.pem"),
                    files.resolve("ca-key.pem"),
                    "attache.local",
                    clock))
        .hasMessageContaining("chain up to the root");
  }

  @Test
  void refusesAKeyThatDoesNotBelongToTheCertificate() throws Exception {
    CertificateAuthority one =
        CertificateAuthority.generatedIn(dataDir.resolve("one"), "attache.local", clock);
    CertificateAuthority.generatedIn(dataDir.resolve("two"), "attache.local", clock);

    assertThatThrownBy(
            () ->
                CertificateAuthority.fromFiles(
                    dataDir.resolve("one").resolve(CertificateAuthority.ROOT_CERT_FILE),
                    dataDir.resolve("two").resolve(CertificateAuthority.ROOT_KEY_FILE),
                    "attache.local",
                    clock))
        .hasMessageContaining("does not belong")
        .hasMessageNotContaining("PRIVATE");
    assertThat(one.root()).isNotNull();
  }

  static void validate(List<X509Certificate> chain, X509Certificate root, Instant at)
      throws Exception {
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    parameters.setRevocationEnabled(false);
    parameters.setDate(Date.from(at));
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
  }
}
