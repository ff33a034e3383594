package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.TestHttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged proxy as a user runs it: {@code java -jar target/attache-proxy.jar -c file}, a real
 * process, real signals. Proves the example bootstrap serves and that SIGTERM drains to exit 0.
 */
class ProxyMainIT {
  private static final Path JAR = Path.of("target", "attache-proxy.jar");
  private static final Path EXAMPLE = Path.of("..", "deploy", "examples", "ambassador.yaml");

  @Test
  void validateModeAcceptsTheShippedExampleBootstrap() throws Exception {
    Result r = run(List.of("-c", EXAMPLE.toString(), "--mode", "validate"));

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("OK");
  }

  @Test
  void validateModeNamesTheBadFieldAndExitsOne(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "static_resources:\n  clusters:\n  - name: x\n    colour: red\n");

    Result r = run(List.of("-c", bad.toString(), "--mode", "validate"));

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.output()).contains("static_resources.clusters[0].colour: unknown field");
  }

  @Test
  void servesTheExampleBootstrapAndDrainsToExitZeroOnSigterm(@TempDir Path dir) throws Exception {
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"))) {
      int listenerPort = freePort();
      int adminPort = freePort();
      String yaml =
          Files.readString(EXAMPLE)
              .replace("port_value: 15001", "port_value: " + listenerPort)
              .replace("port_value: 15000", "port_value: " + adminPort)
              .replace("port_value: 8080", "port_value: " + app.port());
      Path config = dir.resolve("ambassador.yaml");
      Files.writeString(config, yaml);
      Path log = dir.resolve("proxy.log");
      Process proxy =
          new ProcessBuilder(
                  javaBin(), "-jar", JAR.toString(), "-c", config.toString(), "--concurrency", "1")
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI ready = URI.create("http://127.0.0.1:" + adminPort + "/ready");
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () ->
                    client
                            .send(
                                HttpRequest.newBuilder(ready).build(),
                                HttpResponse.BodyHandlers.ofString())
                            .statusCode()
                        == 200);

        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listenerPort + "/hi"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("GET /hi");
        assertThat(app.received().get(0).headers().get("x-via")).isEqualTo("attache-ambassador");

        proxy.destroy(); // SIGTERM
        assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(proxy.exitValue()).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("draining").contains("\"GET /hi HTTP/1.1\" 200");
      } finally {
        proxy.destroyForcibly();
      }
    }
  }

  /**
   * The argument list Istio's pilot-agent starts Envoy with ({@code pkg/envoy/proxy.go}): fourteen
   * flags, every one accepted, those with a meaning here honoured.
   */
  @Test
  void startsWithTheArgumentListIstiosPilotAgentUses(@TempDir Path dir) throws Exception {
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"))) {
      int listenerPort = freePort();
      int adminPort = freePort();
      String yaml =
          Files.readString(EXAMPLE)
              .replace("port_value: 15001", "port_value: " + listenerPort)
              .replace("port_value: 15000", "port_value: " + adminPort)
              .replace("port_value: 8080", "port_value: " + app.port())
              // A field from a newer Envoy: dropped with a warning, as Istio asks.
              .replace("node:\n", "node:\n  future_field: 1\n");
      Path config = dir.resolve("envoy-rev.yaml");
      Files.writeString(config, yaml);
      Path log = dir.resolve("proxy.log");
      List<String> args =
          List.of(
              "-c",
              config.toString(),
              "--drain-time-s",
              "2",
              "--drain-strategy",
              "immediate",
              "--local-address-ip-version",
              "v4",
              "--file-flush-interval-msec",
              "1000",
              "--disable-hot-restart",
              "--allow-unknown-static-fields",
              "-l",
              "warning",
              "--component-log-level",
              "misc:error,config:info",
              "--skip-deprecated-logs",
              "--enable-core-dump",
              "--log-format",
              "{\"level\":\"%l\",\"component\":\"%n\",\"msg\":\"%j\"}",
              "--config-yaml",
              "{\"node\":{\"cluster\":\"from-override\"}}",
              "--concurrency",
              "2");
      List<String> command = new java.util.ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
      command.addAll(args);
      Process proxy =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      try {
        awaitReady(adminPort);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(get(client, listenerPort, "/hi").statusCode()).isEqualTo(200);
        String serverInfo = get(client, adminPort, "/server_info").body();
        assertThat(serverInfo)
            .contains("\"drain_strategy\": \"Immediate\"")
            .contains("\"log_level\": \"warning\"")
            .contains("\"allow_unknown_static_fields\": true")
            .contains("\"disable_hot_restart\": true")
            .contains("\"cluster\": \"from-override\"")
            .contains("\"concurrency\": 2")
            .contains("\"hot_restart_version\": \"disabled\"");
        assertThat(get(client, adminPort, "/stats?filter=server.static_unknown_fields").body())
            .isEqualTo("server.static_unknown_fields: 1\n");

        proxy.destroy(); // SIGTERM
        assertThat(proxy.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log);
        assertThat(proxy.exitValue()).as(output).isZero();
        List<String> logLines = output.lines().filter(l -> l.startsWith("{\"level\":")).toList();
        // -l warning hides main's info lines, config:info keeps the config component's.
        assertThat(logLines)
            .anySatisfy(
                l ->
                    assertThat(l)
                        .startsWith("{\"level\":\"warning\",\"component\":\"main\",\"msg\":")
                        .contains("future_field: unknown field, dropped"))
            .noneSatisfy(l -> assertThat(l).contains("\"level\":\"info\",\"component\":\"main\""));
      } finally {
        proxy.destroyForcibly();
      }
    }
  }

  @Test
  void flagsWithAnEnvoyMeaningTakeEffect(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("ambassador.yaml");
    Files.writeString(
        config,
        Files.readString(EXAMPLE)
            .replace("port_value: 15001", "port_value: 0")
            .replace("port_value: 15000", "port_value: 0"));
    Path addressFile = dir.resolve("admin-address");
    Path logFile = dir.resolve("attache.log");
    Process proxy =
        new ProcessBuilder(
                javaBin(),
                "-jar",
                JAR.toString(),
                "-c",
                config.toString(),
                "--admin-address-path",
                addressFile.toString(),
                "--log-path",
                logFile.toString(),
                "--stats-tag",
                "mesh:blue",
                "--service-zone",
                "zone-a",
                "--concurrency",
                "1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout").toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(addressFile) && !Files.readString(addressFile).isEmpty());
      String address = Files.readString(addressFile);
      assertThat(address).matches("127\\.0\\.0\\.1:\\d+");
      int adminPort = Integer.parseInt(address.substring(address.indexOf(':') + 1));
      awaitReady(adminPort);
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      assertThat(get(client, adminPort, "/stats/prometheus").body())
          .contains("envoy_server_live{mesh=\"blue\"} 1");
      assertThat(get(client, adminPort, "/server_info").body()).contains("\"zone\": \"zone-a\"");
      assertThat(Files.readString(logFile))
          .containsPattern(
              "\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\]\\[main\\]\\[info\\]\\[main\\]"
                  + " \\[io/attache/dataplane/server/ProxyServer\\.java:\\d+\\] admin endpoint on");
    } finally {
      proxy.destroy();
      proxy.waitFor(20, TimeUnit.SECONDS);
      proxy.destroyForcibly();
    }
  }

  @Test
  void initOnlyStartsThenExitsAndHotRestartVersionSaysDisabled(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("ambassador.yaml");
    Files.writeString(
        config,
        Files.readString(EXAMPLE)
            .replace("port_value: 15001", "port_value: 0")
            .replace("port_value: 15000", "port_value: 0"));
    Result init = run(List.of("-c", config.toString(), "--mode", "init_only"));
    assertThat(init.exitCode()).as(init.output()).isZero();
    assertThat(init.output()).contains("--mode init_only: initialised; exiting");

    Result version = run(List.of("--hot-restart-version"));
    assertThat(version.exitCode()).isZero();
    assertThat(version.output().strip()).isEqualTo("disabled");

    Result badLevel = run(List.of("-c", EXAMPLE.toString(), "-l", "loud"));
    assertThat(badLevel.exitCode()).isEqualTo(1);
    assertThat(badLevel.output()).contains("unknown log level 'loud'");
  }

  private static void awaitReady(int adminPort) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(client, adminPort, "/ready").statusCode() == 200);
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path)
      throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
    command.addAll(args);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
      throw new AssertionError("proxy did not exit: " + out);
    }
    return new Result(p.exitValue(), out);
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
