package io.attache.controlplane.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.rest.AdminSecurity;
import io.attache.controlplane.rest.AdminTls;
import io.attache.controlplane.rest.AdminTokens;
import io.attache.controlplane.xds.SystemScheduler;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against a real control plane with tokens on: each command's output and exit code (0 ok, 1
 * refused, 2 usage), the token from the environment or a file, errors with their field and the file
 * and line they point at.
 */
class AttacheCliTest {

  private static final String ADMIN = "admin-token-0123456789";
  private static final String READER = "reader-token-0123456789";

  private static final String SHOP =
      """
      kind: Route
      name: orders-api
      spec:
        hosts: [orders]
        path_prefix: /api/
        destinations: [{service: orders}]
      ---
      kind: Service
      name: orders
      spec:
        port: 8080
        endpoints: [{address: 10.0.0.1, port: 9001}]
      """;

  @TempDir Path dir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;
  private String server;

  @BeforeEach
  void start() throws Exception {
    AdminTokens tokens =
        AdminTokens.parse(List.of(ADMIN + " admin", READER + " read-only"), "test");
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                    "127.0.0.1",
                    0,
                    "127.0.0.1",
                    0,
                    dir.resolve("data"),
                    Duration.ofMillis(10),
                    Duration.ofMillis(50))
                .withAdminSecurity(new AdminSecurity(tokens, AdminTls.PLAINTEXT)),
            scheduler,
            Clock.systemUTC());
    server = "http://127.0.0.1:" + controlPlane.httpPort();
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  /** One command's exit code and what it printed. */
  record Run(int exit, String out, String err) {}

  private Run run(String token, String... args) {
    AttacheCli cli = new AttacheCli();
    cli.environment = Map.of("ATTACHE_SERVER", server, "ATTACHE_TOKEN", token);
    CommandLine line = AttacheCli.commandLine(cli);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int exit = line.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Path file(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  @Test
  void appliesAFileAsOneRevisionAndReportsEachResource() throws Exception {
    Path shop = file("shop.yaml", SHOP);

    Run applied = run(ADMIN, "apply", "-f", shop.toString());
    Run again = run(ADMIN, "apply", "-f", shop.toString());

    assertThat(applied.exit()).as(applied.err()).isZero();
    assertThat(applied.out())
        .contains("route/orders-api created")
        .contains("service/orders created")
        .contains("revision 1: 2 created");
    assertThat(again.out()).contains("unchanged: revision 1 is still current");
  }

  @Test
  void aDryRunAndADiffStoreNothingAndAReadOnlyTokenMayRunThem() throws Exception {
    run(ADMIN, "apply", "-f", file("shop.yaml", SHOP).toString());
    Path changed = file("changed.yaml", SHOP.replace("port: 9001", "port: 9005"));

    Run dryRun = run(READER, "apply", "--dry-run", "-f", changed.toString());
    Run diff = run(READER, "diff", "-f", changed.toString());
    Run refused = run(READER, "apply", "-f", changed.toString());

    assertThat(dryRun.exit()).as(dryRun.err()).isZero();
    assertThat(dryRun.out()).contains("service/orders configured (dry run)");
    assertThat(diff.out()).contains("-    port: 9001").contains("+    port: 9005");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("permission_denied");
    assertThat(run(READER, "revisions").out())
        .contains("apply: 2 created")
        .doesNotContain("configured");
  }

  @Test
  void aRefusedSetExitsOneNamingTheFieldFileAndLine() throws Exception {
    Path directory = Files.createDirectories(dir.resolve("policy"));
    Files.writeString(
        directory.resolve("a-services.yaml"), SHOP.substring(SHOP.indexOf("kind: Service")));
    Files.writeString(
        directory.resolve("b-routes.yaml"),
        SHOP.substring(0, SHOP.indexOf("---")).replace("service: orders", "service: billing"));

    Run refused = run(ADMIN, "apply", "-f", directory.toString());

    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err())
        .contains("documents[1].spec.destinations[0].service")
        .contains("b-routes.yaml:6");
  }

  @Test
  void getDescribeStatusRevisionAndRollback() throws Exception {
    run(ADMIN, "apply", "-f", file("shop.yaml", SHOP).toString());
    run(
        ADMIN,
        "apply",
        "-f",
        file("changed.yaml", SHOP.replace("port: 9001", "port: 9005")).toString());

    assertThat(run(READER, "get", "services").out())
        .contains("NAME    PORT  PROTOCOL  ENDPOINTS")
        .contains("orders  8080  HTTP1     10.0.0.1:9005");
    assertThat(run(READER, "get", "svc", "orders", "-o", "yaml").out())
        .contains("kind: Service")
        .contains("port: 9005");
    assertThat(run(READER, "describe", "service", "orders").out())
        .contains("Last written: revision 2")
        .contains("Proxies of this service: none connected");
    assertThat(run(READER, "status").out())
        .contains("NAME")
        .contains("revision 2: 0 of 0 proxies synced");
    assertThat(run(READER, "revision", "2", "--diff").out())
        .contains("service/orders configured")
        .contains("+    port: 9005");

    Run rollback = run(ADMIN, "rollback", "1");
    assertThat(rollback.out()).contains("revision 3: rolled back to revision 1");
    assertThat(run(READER, "export").out()).contains("port: 9001").doesNotContain("9005");
  }

  @Test
  void theTokenMayComeFromAFileAndAMissingOneIsRefused() throws Exception {
    Path tokenFile = file("token", ADMIN + "\n");

    assertThat(run("", "--token-file", tokenFile.toString(), "revisions").exit()).isZero();
    Run anonymous = run("", "revisions");
    assertThat(anonymous.exit()).isEqualTo(1);
    assertThat(anonymous.err()).contains("unauthenticated");
  }

  @Test
  void wrongUsageExitsTwoAndVersionComesFromTheBuild() {
    assertThat(run(ADMIN, "get", "gadgets").exit()).isEqualTo(2);
    assertThat(run(ADMIN, "apply").exit()).isEqualTo(2);
    Run version = run(ADMIN, "status", "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out().strip()).isEqualTo("attache " + io.attache.api.BuildVersion.get());
  }

  @Test
  void anUnreachableServerExitsOneAndSaysWhere() {
    AttacheCli cli = new AttacheCli();
    cli.environment = Map.of();
    CommandLine line = AttacheCli.commandLine(cli);
    StringWriter err = new StringWriter();
    line.setErr(new PrintWriter(err, true));

    int exit = line.execute("--server", "http://127.0.0.1:1", "status");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach the control plane at http://127.0.0.1:1");
  }
}
