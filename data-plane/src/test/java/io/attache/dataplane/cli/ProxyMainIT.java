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
