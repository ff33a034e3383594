package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's "done when": a real Prometheus, configured by the shipped {@code
 * deploy/prometheus/prometheus.yml} (targets and interval swapped for this test's), scrapes a real
 * control plane, two Attaché proxies and a stock Envoy while traffic flows, and every query of the
 * shipped {@code deploy/grafana/attache-mesh.json} returns data for the Attaché proxies alone — and
 * for the stock Envoy alone, so the dashboard means the same for both. Panels as a stock Envoy
 * dashboard writes them (golden signals, latency percentiles, connections, bytes) light up for an
 * Attaché proxy, and {@code promtool check metrics} passes on both endpoints apart from Envoy's own
 * naming choices, each of which a stock Envoy makes too.
 *
 * <p>The mesh: {@code orders} has a healthy and a failing (503) endpoint, so retries, 5xx and an
 * outlier ejection happen; {@code payments} answers 200. A second Attaché proxy carries a static
 * cluster named {@code orders}, so it NACKs every CDS update (a real NACK by type). While the
 * queries are evaluated a service is changed every two seconds, so pushes, ACKs, NACKs, REST calls
 * and store commits keep happening inside the rate window.
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dit.test=PrometheusDashboardIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@ExtendWith(StockEnvoyExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusDashboardIT {

  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "attache-mesh.json");
  private static final Path PROMETHEUS_CONFIG =
      Path.of("..", "deploy", "prometheus", "prometheus.yml");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Grafana's {@code $__rate_interval} for a 1 s scrape interval (four scrapes, and some). */
  private static final String RATE_INTERVAL = "15s";

  /**
   * Panels as stock Envoy dashboards write them — no Attaché names, Envoy's labels from its default
   * tag extraction — each restricted to one job by {@code $job}, with the labels its legend needs.
   */
  private static final Map<String, List<String>> ENVOY_DASHBOARD_QUERIES = envoyDashboardQueries();

  private static Map<String, List<String>> envoyDashboardQueries() {
    Map<String, List<String>> q = new LinkedHashMap<>();
    String c = "envoy_cluster_name";
    String h = "envoy_http_conn_manager_prefix";
    q.put("sum(rate(envoy_cluster_upstream_rq_total{$job}[1m])) by (" + c + ")", List.of(c));
    q.put(
        "sum(rate(envoy_cluster_upstream_rq_xx{$job,envoy_response_code_class=\"5\"}[1m])) by ("
            + c
            + ")",
        List.of(c));
    q.put(
        "sum(rate(envoy_cluster_upstream_rq_xx{$job}[1m])) by ("
            + c
            + ", envoy_response_code_class)",
        List.of(c, "envoy_response_code_class"));
    q.put("sum(rate(envoy_http_downstream_rq_total{$job}[1m])) by (" + h + ")", List.of(h));
    q.put(
        "sum(rate(envoy_http_downstream_rq_xx{$job}[1m])) by ("
            + h
            + ", envoy_response_code_class)",
        List.of(h, "envoy_response_code_class"));
    for (String quantile : List.of("0.5", "0.95", "0.99")) {
      q.put(
          "histogram_quantile("
              + quantile
              + ", sum(rate(envoy_cluster_upstream_rq_time_bucket{$job}[1m])) by (le, "
              + c
              + "))",
          List.of(c));
      q.put(
          "histogram_quantile("
              + quantile
              + ", sum(rate(envoy_http_downstream_rq_time_bucket{$job}[1m])) by (le, "
              + h
              + "))",
          List.of(h));
    }
    q.put(
        "histogram_quantile(0.99, sum(rate(envoy_cluster_upstream_cx_connect_ms_bucket{$job}[1m])) by (le, "
            + c
            + "))",
        List.of(c));
    q.put("sum(envoy_cluster_upstream_cx_active{$job}) by (" + c + ")", List.of(c));
    q.put("sum(rate(envoy_cluster_upstream_cx_total{$job}[1m])) by (" + c + ")", List.of(c));
    q.put("sum(envoy_http_downstream_cx_active{$job}) by (" + h + ")", List.of(h));
    q.put("sum(rate(envoy_http_downstream_cx_total{$job}[1m])) by (" + h + ")", List.of(h));
    q.put(
        "sum(envoy_listener_downstream_cx_active{$job}) by (envoy_listener_address)",
        List.of("envoy_listener_address"));
    q.put(
        "sum(rate(envoy_cluster_upstream_cx_rx_bytes_total{$job}[1m])) by (" + c + ")", List.of(c));
    q.put(
        "sum(rate(envoy_cluster_upstream_cx_tx_bytes_total{$job}[1m])) by (" + c + ")", List.of(c));
    q.put(
        "sum(rate(envoy_http_downstream_cx_rx_bytes_total{$job}[1m])) by (" + h + ")", List.of(h));
    q.put(
        "sum(rate(envoy_http_downstream_cx_tx_bytes_total{$job}[1m])) by (" + h + ")", List.of(h));
    q.put("sum(envoy_cluster_membership_healthy{$job}) by (" + c + ")", List.of(c));
    q.put("envoy_server_live{$job}", List.of("instance"));
    q.put("envoy_server_uptime{$job}", List.of("instance"));
    q.put("envoy_server_memory_allocated{$job}", List.of("instance"));
    q.put("envoy_server_concurrency{$job}", List.of("instance"));
    return q;
  }

  /**
   * What {@code promtool check metrics} reports about Envoy's own Prometheus names, which an
   * Attaché proxy keeps so that Envoy dashboards work: each problem kind, and why it is Envoy's.
   */
  static final Map<String, String> ENVOY_NAMING_CHOICES =
      Map.of(
          "no help text",
          "Envoy prints no # HELP lines",
          "counter metrics should have \"_total\" suffix",
          "Envoy's counters keep their stat names (envoy_cluster_upstream_rq_retry)",
          "metric names should not contain abbreviated units",
          "Envoy's millisecond stats (upstream_cx_connect_ms, cds_update_time, ..._ms)",
          "non-counter metrics should not have \"_total\" suffix",
          "Envoy's gauges named ..._total (envoy_cluster_membership_total)",
          "use base unit \"seconds\" instead of \"days\"",
          "envoy_server_days_until_first_cert_expiring",
          "non-histogram and non-summary metrics should not have \"_count\" suffix",
          "Envoy's stats named ..._count");

  private Path dir;

  private InteropControlPlane controlPlane;
  private final List<HttpBackend> backends = new ArrayList<>();
  private final List<ProxyServer> proxies = new ArrayList<>();
  private RunningEnvoy envoy;
  private PrometheusServer prometheus;
  private final ExecutorService load = Executors.newSingleThreadExecutor();
  private final AtomicBoolean loadRunning = new AtomicBoolean(true);

  @BeforeAll
  void startTheMesh(Envoy stockEnvoy, @TempDir Path dir) throws Exception {
    this.dir = dir;
    PrometheusServer.binDir(); // fail first, and clearly, without Prometheus
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    HttpBackend ordersHealthy = backend("orders");
    HttpBackend ordersFailing = backend("orders-failing");
    ordersFailing.answer(503);
    HttpBackend payments = backend("payments");
    controlPlane.put(
        "/api/v1/services/orders",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": ["
            + endpoint(ordersHealthy)
            + ", "
            + endpoint(ordersFailing)
            + "]}");
    controlPlane.put("/api/v1/services/payments", paymentsService(payments, "1s"));

    ProxyServer sidecar =
        startAttache(
            MeshBootstraps.ads(
                "attache-sidecar", "demo", "GRPC", Map.of(), "", controlPlane.xdsPort()));
    // A static cluster named like a pushed service: this proxy refuses every CDS update (NACK).
    startAttache(
        MeshBootstraps.ads("attache-nacking", "demo", "GRPC", Map.of(), "", controlPlane.xdsPort())
            + """
              - name: orders
                type: STATIC
                connect_timeout: 1s
                load_assignment:
                  cluster_name: orders
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
            """
                .formatted(ordersHealthy.port()));
    int envoyOutbound = ChildProcess.freePort();
    envoy = stockEnvoy.start("envoy-sidecar", envoyBootstrap(envoyOutbound), dir.resolve("envoy"));

    await().atMost(Duration.ofSeconds(30)).until(() -> sidecar.listenerAddresses().size() == 1);
    int attacheOutbound = sidecar.listenerAddresses().values().iterator().next().getPort();
    for (int port : List.of(attacheOutbound, envoyOutbound)) {
      for (String host : List.of("orders", "payments")) {
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> HttpProbe.send(port, "GET", host, "/").status() != 404);
      }
    }

    prometheus =
        PrometheusServer.start(
            prometheusConfig(), Files.createDirectories(dir.resolve("prometheus")));
    load.submit(() -> generateLoad(List.of(attacheOutbound, envoyOutbound), payments));
  }

  @AfterAll
  void stop() throws Exception {
    loadRunning.set(false);
    load.shutdown();
    load.awaitTermination(30, TimeUnit.SECONDS);
    if (prometheus != null) {
      prometheus.close();
    }
    if (envoy != null) {
      envoy.close();
    }
    proxies.forEach(p -> p.drainAndStop(Duration.ZERO));
    backends.forEach(HttpBackend::close);
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void everyQueryOfTheShippedDashboardReturnsDataForAttacheProxiesAndForStockEnvoy()
      throws Exception {
    JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
    awaitEveryTargetUp();

    Map<String, String> variables = new LinkedHashMap<>();
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        variables.put(variable.path("name").asText(), variable.path("allValue").asText());
      }
    }
    assertThat(variables).containsKeys("proxy_job", "service", "cp_job");
    List<Panel> panels = panels(dashboard);
    assertThat(panels).hasSizeGreaterThanOrEqualTo(20);
    // Every $variable a query uses is the dashboard's own or Grafana's $__rate_interval.
    for (Panel panel : panels) {
      Matcher m = Pattern.compile("\\$(\\w+)").matcher(panel.expr());
      while (m.find()) {
        assertThat(variables.keySet())
            .as("variable $%s in %s", m.group(1), panel.title())
            .contains(m.group(1).equals("__rate_interval") ? "service" : m.group(1));
      }
    }

    for (String job : List.of("attache-proxy", "envoy-proxy")) {
      Map<String, String> values = new LinkedHashMap<>(variables);
      values.put("proxy_job", job);
      // The variables' own queries (Grafana's label_values) list something for this job.
      for (JsonNode variable : dashboard.path("templating").path("list")) {
        if (variable.path("type").asText().equals("query")) {
          Matcher m =
              Pattern.compile("label_values\\((.+), (\\w+)\\)")
                  .matcher(substitute(variable.path("definition").asText(), values));
          assertThat(m.matches()).as(variable.path("definition").asText()).isTrue();
          assertThat(prometheus.labelValues(m.group(1), m.group(2)))
              .as("%s for %s", variable.path("name").asText(), job)
              .isNotEmpty();
        }
      }
      List<Check> checks = new ArrayList<>();
      for (Panel panel : panels) {
        checks.add(
            new Check(
                panel.title(), substitute(panel.expr(), values), legendLabels(panel.legend())));
      }
      awaitEveryQueryAnswers(job, checks);
    }
  }

  @Test
  void aStockEnvoyDashboardsPanelsShowDataForAnAttacheProxy() {
    awaitEveryTargetUp();
    List<Check> checks = new ArrayList<>();
    ENVOY_DASHBOARD_QUERIES.forEach(
        (query, labels) ->
            checks.add(new Check(query, query.replace("$job", "job=\"attache-proxy\""), labels)));
    awaitEveryQueryAnswers("attache-proxy", checks);
  }

  @Test
  void promtoolPassesOnBothEndpointsApartFromEnvoysOwnNamingChoices() throws Exception {
    awaitEveryTargetUp();
    Path work = Files.createDirectories(dir.resolve("promtool"));
    String controlPlaneMetrics =
        scrape(new InetSocketAddress("127.0.0.1", controlPlane.httpPort()), "/metrics");
    assertThat(PrometheusServer.checkMetrics(controlPlaneMetrics, work))
        .as("promtool check metrics on the control plane's /metrics")
        .isEmpty();

    List<String> attache =
        PrometheusServer.checkMetrics(
            scrape(proxies.get(0).adminAddress(), "/stats/prometheus"), work);
    String envoyStats = scrape(envoy.adminAddress(), "/stats/prometheus");
    List<String> stockEnvoy = PrometheusServer.checkMetrics(envoyStats, work);
    Set<String> envoyFamilies = new LinkedHashSet<>();
    envoyStats
        .lines()
        .filter(l -> l.startsWith("# TYPE "))
        .forEach(l -> envoyFamilies.add(l.split(" ")[2]));

    assertThat(attache).as("an Attaché proxy's /stats/prometheus is linted").isNotEmpty();
    for (String problem : attache) {
      String family = problem.substring(0, problem.indexOf(' '));
      String kind = problem.substring(problem.indexOf(' ') + 1);
      assertThat(ENVOY_NAMING_CHOICES).as(problem).containsKey(kind);
      if (envoyFamilies.contains(family)) {
        assertThat(stockEnvoy)
            .as("stock Envoy makes the same choice: %s", problem)
            .contains(problem);
      }
    }
    // Every exception listed is one a stock Envoy 1.40 makes itself.
    for (String kind : ENVOY_NAMING_CHOICES.keySet()) {
      assertThat(stockEnvoy).as(kind).anyMatch(p -> p.endsWith(" " + kind));
    }
  }

  // --- helpers ---

  /** One query of one panel, with its panel's title and its legend. */
  private record Panel(String title, String expr, String legend) {}

  private static List<Panel> panels(JsonNode dashboard) {
    List<Panel> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        panels.add(
            new Panel(
                panel.path("title").asText(),
                target.path("expr").asText(),
                target.path("legendFormat").asText()));
      }
    }
    return panels;
  }

  private static String substitute(String expr, Map<String, String> values) {
    String out = expr.replace("$__rate_interval", RATE_INTERVAL);
    for (Map.Entry<String, String> e : values.entrySet()) {
      out = out.replace("$" + e.getKey(), e.getValue());
    }
    return out;
  }

  /** The labels a Grafana legend format names ({@code {{envoy_cluster_name}} p99}). */
  private static List<String> legendLabels(String legend) {
    List<String> labels = new ArrayList<>();
    Matcher m = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(legend);
    while (m.find()) {
      labels.add(m.group(1));
    }
    return labels;
  }

  /** One query to evaluate: what to call it in a failure, the PromQL, the labels it must carry. */
  private record Check(String name, String promql, List<String> labels) {}

  /**
   * Waits (bounded) until every query has answered, at least once, a series with a finite value
   * that carries every label its legend names. Each is retried until it has passed once: a rate
   * needs two scrapes of an increase inside its window.
   */
  private void awaitEveryQueryAnswers(String job, List<Check> checks) {
    List<Check> pending = new ArrayList<>(checks);
    Map<Check, String> lastAnswer = new LinkedHashMap<>();
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
      for (Check check : List.copyOf(pending)) {
        List<PrometheusServer.Series> series = prometheus.query(check.promql());
        lastAnswer.put(check, series.toString());
        if (series.stream()
            .anyMatch(
                s ->
                    Double.isFinite(s.value())
                        && s.labels().keySet().containsAll(check.labels()))) {
          pending.remove(check);
        }
      }
      if (!pending.isEmpty()) {
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
      }
    }
    StringBuilder failures = new StringBuilder();
    pending.forEach(
        check ->
            failures
                .append("\n  ")
                .append(check.name())
                .append(": ")
                .append(check.promql())
                .append("\n    answered ")
                .append(lastAnswer.get(check)));
    assertThat(pending)
        .as("queries without a finite series for %s (of %d):%s", job, checks.size(), failures)
        .isEmpty();
  }

  private void awaitEveryTargetUp() {
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(prometheus.targetHealth())
                    .hasSize(4)
                    .allSatisfy(t -> assertThat(t).contains(" up ")));
  }

  /** The shipped config with this test's targets, scraped every second. */
  private Path prometheusConfig() throws IOException {
    String config = Files.readString(PROMETHEUS_CONFIG);
    Map<String, String> swaps = new LinkedHashMap<>();
    swaps.put("scrape_interval: 15s", "scrape_interval: 1s");
    swaps.put("evaluation_interval: 15s", "evaluation_interval: 1s");
    swaps.put("\"control-plane:18080\"", "\"127.0.0.1:" + controlPlane.httpPort() + "\"");
    swaps.put(
        "\"attache-sidecar:15000\"",
        "\""
            + address(proxies.get(0).adminAddress())
            + "\", \""
            + address(proxies.get(1).adminAddress())
            + "\"");
    swaps.put("\"envoy-sidecar:15000\"", "\"" + address(envoy.adminAddress()) + "\"");
    for (Map.Entry<String, String> swap : swaps.entrySet()) {
      assertThat(config).as("the shipped Prometheus config").contains(swap.getKey());
      config = config.replace(swap.getKey(), swap.getValue());
    }
    return Files.writeString(dir.resolve("prometheus.yml"), config);
  }

  private static String address(InetSocketAddress address) {
    return "127.0.0.1:" + address.getPort();
  }

  /**
   * Requests through both sidecars to both services, and every two seconds a change to {@code
   * payments} (a CDS push: ACKs, and a NACK from the proxy with the colliding static cluster).
   * Bounded by the test's stop and by four minutes.
   */
  private void generateLoad(List<Integer> outboundPorts, HttpBackend payments) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
    Instant nextChange = Instant.now();
    int change = 0;
    while (loadRunning.get() && Instant.now().isBefore(deadline)) {
      for (int port : outboundPorts) {
        for (String host : List.of("orders", "payments")) {
          try {
            HttpProbe.send(port, "GET", host, "/");
          } catch (RuntimeException e) {
            // A request that failed is load too; the queries judge what the proxies counted.
          }
        }
      }
      if (Instant.now().isAfter(nextChange)) {
        change++;
        controlPlane.put(
            "/api/v1/services/payments", paymentsService(payments, change % 2 == 0 ? "1s" : "2s"));
        nextChange = Instant.now().plusSeconds(2);
      }
    }
  }

  private String envoyBootstrap(int outboundPort) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/interop/envoy-ads-bootstrap.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .replace("${NODE_ID}", "envoy-sidecar")
          .replace("${NODE_CLUSTER}", "demo")
          .replace("${OUTBOUND_PORT}", Integer.toString(outboundPort))
          .replace("${XDS_PORT}", Integer.toString(controlPlane.xdsPort()));
    }
  }

  private ProxyServer startAttache(String bootstrap) throws Exception {
    ProxyServer proxy =
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, Duration.ofSeconds(1)));
    proxies.add(proxy);
    return proxy;
  }

  private HttpBackend backend(String name) throws IOException {
    HttpBackend backend = HttpBackend.start(name);
    backends.add(backend);
    return backend;
  }

  private static String endpoint(HttpBackend backend) {
    return "{\"address\": \"127.0.0.1\", \"port\": " + backend.port() + "}";
  }

  private static String paymentsService(HttpBackend payments, String connectTimeout) {
    return "{\"port\": 8080, \"protocol\": \"HTTP1\", \"connect_timeout\": \""
        + connectTimeout
        + "\", \"endpoints\": ["
        + endpoint(payments)
        + "]}";
  }

  static String scrape(InetSocketAddress address, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://" + address(address) + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
