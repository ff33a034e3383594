package io.attache.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.controlplane.rest.AccessDecision;
import io.attache.controlplane.rest.AdminConfigException;
import io.attache.controlplane.rest.AdminSecurity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
  void theEmbeddedStoreIsTheDefaultAndStoreNamesASharedOneWithItsCaKey() throws Exception {
    ControlPlaneMain embedded = new ControlPlaneMain();
    new CommandLine(embedded).parseArgs();
    assertThat(embedded.sharedStore()).isEmpty();

    ControlPlaneMain shared = new ControlPlaneMain();
    String key = io.attache.controlplane.ca.CaKeyEncryptionKey.random().encoded();
    shared.environment = Map.of("PGPASSWORD", "pw", "ATTACHE_CA_KEY_ENCRYPTION_KEY", key);
    new CommandLine(shared)
        .parseArgs(
            "--store", "postgresql://attache@db:5432/mesh", "--store-head-check-interval", "2s");

    var store = shared.sharedStore().orElseThrow();
    assertThat(store.location()).hasToString("postgresql://attache@db:5432/mesh");
    assertThat(store.location().hasPassword()).isTrue();
    assertThat(store.headCheckInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(store.caKeyEncryptionKey()).isPresent();
  }

  @Test
  void refusesAStoreThatIsNotPostgresqlAndSharedStoreFlagsWithoutOne() {
    ControlPlaneMain mysql = new ControlPlaneMain();
    new CommandLine(mysql).parseArgs("--store", "mysql://db/mesh");
    assertThatThrownBy(mysql::sharedStore).hasMessageContaining("postgresql:// URI");

    ControlPlaneMain stray = new ControlPlaneMain();
    new CommandLine(stray).parseArgs("--store-password-file", "/tmp/pw");
    assertThatThrownBy(stray::sharedStore).hasMessageContaining("go with --store");
  }

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READER = "reader-token-0123456789abcdef";
  private static final String FROM_ENV = "env-token-0123456789abcdef";

  @Test
  void leavesTheAdminApiOpenWithoutATokenFileOrVariable() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs();
    main.environment = Map.of();

    AdminSecurity security = main.adminSecurity();

    assertThat(security.tokens().enabled()).isFalse();
    assertThat(security.tls().enabled()).isFalse();
    assertThat(security.startupWarnings("127.0.0.1", 18080))
        .singleElement()
        .asString()
        .contains("UNAUTHENTICATED");
  }

  @Test
  void takesTokensFromTheFileAndOneAdminTokenFromTheEnvironment(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), READER + " read-only\n");
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs("--admin-token-file", file.toString());
    main.environment = Map.of(ControlPlaneMain.ADMIN_TOKEN_ENV, FROM_ENV);

    AdminSecurity security = main.adminSecurity();

    assertThat(security.tokens().decide("Bearer " + READER, "PUT"))
        .isEqualTo(AccessDecision.FORBIDDEN);
    assertThat(security.tokens().decide("Bearer " + FROM_ENV, "PUT"))
        .isEqualTo(AccessDecision.ALLOWED);
  }

  @Test
  void turnsAuthenticationOnWithTheEnvironmentVariableAlone() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs();
    main.environment = Map.of(ControlPlaneMain.ADMIN_TOKEN_ENV, FROM_ENV + "\n");

    AdminSecurity security = main.adminSecurity();

    assertThat(security.tokens().decide(null, "GET")).isEqualTo(AccessDecision.UNAUTHENTICATED);
    assertThat(security.tokens().decide("Bearer " + FROM_ENV, "DELETE"))
        .isEqualTo(AccessDecision.ALLOWED);
  }

  @Test
  void refusesACertificateWithoutItsKey() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs("--admin-tls-cert", "/tmp/admin.crt");
    main.environment = Map.of();

    assertThatThrownBy(main::adminSecurity)
        .isInstanceOf(AdminConfigException.class)
        .hasMessage("--admin-tls-cert and --admin-tls-key go together");
  }

  @Test
  void failsStartUpNamingTheBadLineOfTheTokenFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("tokens"), "# ops\n" + ADMIN + " superuser\n");
    ControlPlaneMain main = new ControlPlaneMain();
    main.environment = Map.of();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int exit;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      exit =
          new CommandLine(main)
              .execute(
                  "--admin-token-file",
                  file.toString(),
                  "--data-dir",
                  dir.resolve("data").toString());
    } finally {
      System.setErr(original);
    }

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains(file + " line 2: role must be admin or read-only, not 'superuser'")
        .doesNotContain(ADMIN);
    assertThat(dir.resolve("data")).doesNotExist();
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
