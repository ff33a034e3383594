package io.attache.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlPlaneMainTest {

  @Test
  void defaultsToTheDocumentedPortsAndDataDirectory() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs();

    assertThat(main.xdsPort).isEqualTo(18000);
    assertThat(main.httpPort).isEqualTo(18080);
    assertThat(main.httpHost).isEqualTo("127.0.0.1");
    assertThat(main.dataDir).isEqualTo(Path.of("./data"));
    assertThat(main.quietPeriod).isEqualTo(Duration.ofMillis(100));
    assertThat(main.maxDelay).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void takesPortsDataDirectoryAndDebounceFromTheCommandLine() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main)
        .parseArgs(
            "--xds-port",
            "19000",
            "--http-port",
            "19080",
            "--data-dir",
            "/tmp/x",
            "--push-quiet-period",
            "2s",
            "--push-max-delay",
            "PT1M");

    assertThat(main.xdsPort).isEqualTo(19000);
    assertThat(main.httpPort).isEqualTo(19080);
    assertThat(main.dataDir).isEqualTo(Path.of("/tmp/x"));
    assertThat(main.quietPeriod).isEqualTo(Duration.ofSeconds(2));
    assertThat(main.maxDelay).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void identityDefaultsAreAGeneratedCaAttacheLocalAndPlaintextXds() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs();

    assertThat(main.trustDomain).isEqualTo("attache.local");
    assertThat(main.caCert).isNull();
    assertThat(main.workloadCertTtl).isEqualTo(Duration.ofHours(24));
    assertThat(main.xdsTls).isFalse();
    assertThat(main.xdsServerNames).containsExactly("localhost", "127.0.0.1");
  }

  @Test
  void takesTheCaTrustDomainLifetimeAndXdsTlsFromTheCommandLine() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main)
        .parseArgs(
            "--trust-domain",
            "mesh.example",
            "--ca-cert",
            "/etc/ca/cert.pem",
            "--ca-key",
            "/etc/ca/key.pem",
            "--workload-cert-ttl",
            "6h",
            "--xds-tls",
            "--xds-server-name",
            "cp.mesh.example,10.0.0.5");

    assertThat(main.trustDomain).isEqualTo("mesh.example");
    assertThat(main.caCert).isEqualTo(Path.of("/etc/ca/cert.pem"));
    assertThat(main.caKey).isEqualTo(Path.of("/etc/ca/key.pem"));
    assertThat(main.workloadCertTtl).isEqualTo(Duration.ofHours(6));
    assertThat(main.xdsTls).isTrue();
    assertThat(main.xdsServerNames).containsExactly("cp.mesh.example", "10.0.0.5");
  }
}
