package io.attache.controlplane.interop;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, which {@code
 * interop/prometheus/install.sh} installs before the integration tests) run by a test on an
 * ephemeral port with its own data directory, plus its {@code promtool}. It answers PromQL through
 * Prometheus's HTTP API. It never installs anything itself and is always stopped by the test that
 * started it, by its own process handle.
 */
final class PrometheusServer implements AutoCloseable {

  /** What one instant query answered: each series' labels and value. */
  record Series(Map<String, String> labels, double value) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final ChildProcess process;
  private final int port;

  private PrometheusServer(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * The directory holding {@code prometheus} and {@code promtool}: what install.sh wrote to the
   * file named by {@code attache.prometheus.installed}, else {@code PROMETHEUS_BIN_DIR}. Missing
   * binaries fail the test: the dashboard test is never skipped.
   */
  static Path binDir() {
    String pathFile = System.getProperty("attache.prometheus.installed", "");
    String dir = System.getenv().getOrDefault("PROMETHEUS_BIN_DIR", "");
    try {
      if (!pathFile.isEmpty() && Files.isRegularFile(Path.of(pathFile))) {
        dir = Files.readString(Path.of(pathFile)).strip();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (dir.isEmpty()
        || !Files.isExecutable(Path.of(dir, "prometheus"))
        || !Files.isExecutable(Path.of(dir, "promtool"))) {
      throw new AssertionError(
          "no prometheus/promtool: run interop/prometheus/install.sh (the build does before the"
              + " integration tests) or set PROMETHEUS_BIN_DIR; looked in '"
              + dir
              + "'");
    }
    return Path.of(dir);
  }

  /** Starts Prometheus on {@code config} and returns once it is ready to answer queries. */
  static PrometheusServer start(Path config, Path workDir) throws IOException {
    Path data = Files.createDirectories(workDir.resolve("tsdb"));
    int port = ChildProcess.freePort();
    ChildProcess process =
        ChildProcess.start(
            "prometheus",
            workDir,
            Map.of(),
            List.of(
                binDir().resolve("prometheus").toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
    PrometheusServer server = new PrometheusServer(process, port);
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast(process::assertAlive)
        .ignoreExceptions()
        .until(() -> server.get("/-/ready").statusCode() == 200);
    return server;
  }

  /** The health of each scrape target by job: {@code up} or {@code down} with its last error. */
  List<String> targetHealth() {
    List<String> health = new ArrayList<>();
    for (JsonNode target : api("/api/v1/targets?state=active").path("activeTargets")) {
      health.add(
          target.path("labels").path("job").asText()
              + " "
              + target.path("scrapeUrl").asText()
              + " "
              + target.path("health").asText()
              + " "
              + target.path("lastError").asText());
    }
    return health;
  }

  /** An instant PromQL query, now. A query Prometheus refuses throws with its error. */
  List<Series> query(String promql) {
    JsonNode data = api("/api/v1/query?query=" + encode(promql));
    List<Series> series = new ArrayList<>();
    for (JsonNode result : data.path("result")) {
      Map<String, String> labels = new java.util.TreeMap<>();
      result
          .path("metric")
          .fields()
          .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      series.add(new Series(labels, Double.parseDouble(result.path("value").get(1).asText())));
    }
    return series;
  }

  /**
   * The values of {@code label} over the series {@code selector} matches (Grafana's label_values).
   */
  List<String> labelValues(String selector, String label) {
    List<String> values = new ArrayList<>();
    api("/api/v1/label/" + label + "/values?match[]=" + encode(selector))
        .forEach(v -> values.add(v.asText()));
    return values;
  }

  /**
   * {@code promtool check metrics} on one exposition: every problem it reports, one per line as
   * promtool prints them ({@code <metric> <problem>}); empty when it passes.
   */
  static List<String> checkMetrics(String exposition, Path workDir) throws IOException {
    Path input = Files.createTempFile(workDir, "metrics", ".txt");
    Files.writeString(input, exposition);
    Process promtool =
        new ProcessBuilder(binDir().resolve("promtool").toString(), "check", "metrics")
            .redirectInput(input.toFile())
            .redirectErrorStream(true)
            .start();
    try {
      String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!promtool.waitFor(60, TimeUnit.SECONDS)) {
        promtool.destroyForcibly();
        throw new AssertionError("promtool check metrics did not finish in 60 s");
      }
      List<String> problems = output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
      if (promtool.exitValue() != 0 && problems.isEmpty()) {
        throw new AssertionError("promtool check metrics exited " + promtool.exitValue());
      }
      return problems;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      promtool.destroyForcibly();
      throw new AssertionError("interrupted waiting for promtool", e);
    }
  }

  String describe() {
    return process.describe();
  }

  private JsonNode api(String pathAndQuery) {
    HttpResponse<String> response = get(pathAndQuery);
    try {
      JsonNode body = JSON.readTree(response.body());
      if (!"success".equals(body.path("status").asText())) {
        throw new IllegalArgumentException(
            "Prometheus refused " + pathAndQuery + ": " + body.path("error").asText());
      }
      return body.path("data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> get(String pathAndQuery) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
              .timeout(Duration.ofSeconds(20))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
