package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An Attaché proxy in mesh mode under steady traffic from the real Attaché control plane, for
 * state-of-the-world and delta ADS, through the two things that must cost no request: the control
 * plane killed and restarted (same port, same data directory — the proxy reconnects and applies the
 * next change made through the REST API), and a resource the control plane accepts but the proxy
 * cannot honour (NACKed with the reason shown in {@code /api/v1/proxies/{id}}; the previous config
 * keeps serving).
 */
class AttacheProxyResilienceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private InteropControlPlane controlPlane;
  private HttpServer appA;
  private HttpServer appB;
  private ProxyServer proxy;
  private Thread traffic;
  private volatile boolean sending = true;
  private final AtomicLong sent = new AtomicLong();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private volatile String lastApp = "";

  @BeforeEach
  void start() throws IOException {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    appA = app("a");
    appB = app("b");
  }

  @AfterEach
  void stop() throws InterruptedException {
    sending = false;
    if (traffic != null) {
      traffic.join(15_000);
    }
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    appA.stop(0);
    appB.stop(0);
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void aRestartedControlPlaneCostsNoRequestAndItsNextChangeIsApplied(String apiType)
      throws Exception {
    putOrders(appA);
    int xdsPort = controlPlane.xdsPort();
    startProxy(apiType, xdsPort);
    int port = proxy.listenerAddresses().values().iterator().next().getPort();
    await().atMost(WAIT).ignoreExceptions().until(() -> get(port).endsWith("app a"));
    traffic = new Thread(() -> sendUntilStopped(port), "steady-traffic");
    traffic.start();
    awaitMore(20);

    controlPlane.close();
    controlPlane = null;
    await().atMost(WAIT).until(() -> gauge("control_plane.connected_state") == 0);
    awaitMore(50);

    controlPlane = InteropControlPlane.startOn(xdsPort, dir.resolve("data"));
    await().atMost(WAIT).until(() -> gauge("control_plane.connected_state") == 1);
    putOrders(appB);
    await().atMost(WAIT).until(() -> lastApp.equals("b"));
    awaitMore(20);

    sending = false;
    traffic.join(15_000);
    assertThat(failures).as("of %d requests", sent.get()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void aResourceTheProxyCannotHonourIsNackedWithItsReasonShownAndCostsNoRequest(String apiType)
      throws Exception {
    putOrders(appA);
    startProxy(apiType, controlPlane.xdsPort());
    int port = proxy.listenerAddresses().values().iterator().next().getPort();
    await().atMost(WAIT).ignoreExceptions().until(() -> get(port).endsWith("app a"));
    traffic = new Thread(() -> sendUntilStopped(port), "steady-traffic");
    traffic.start();
    awaitMore(20);

    // Valid Envoy (the control plane's checks pass, a stock Envoy would take it), but Attaché
    // has no Maglev load balancer: it must refuse the whole CDS response and keep serving.
    controlPlane.put(
        "/api/v1/raw/clusters/legacy",
        "{\"name\": \"legacy\", \"type\": \"STATIC\", \"connect_timeout\": \"1s\","
            + " \"lb_policy\": \"MAGLEV\", \"load_assignment\": {\"cluster_name\": \"legacy\","
            + " \"endpoints\": [{\"lb_endpoints\": [{\"endpoint\": {\"address\":"
            + " {\"socket_address\": {\"address\": \"127.0.0.1\", \"port_value\": "
            + appB.getAddress().getPort()
            + "}}}}]}]}}");
    String reason =
        await()
            .atMost(WAIT)
            .until(
                () -> lastNack("type.googleapis.com/envoy.config.cluster.v3.Cluster"),
                nack -> !nack.isEmpty());
    assertThat(reason).contains("clusters[\"legacy\"].lb_policy");
    String nonceAtNack = cds().path("last_sent_nonce").asText();
    awaitMore(30);
    assertThat(lastApp).isEqualTo("a");
    assertThat(cds().path("last_sent_nonce").asText())
        .as("the refused version is not sent again and again (no NACK loop)")
        .isEqualTo(nonceAtNack);

    // Withdrawn, then a real change: the proxy applies updates again after its refusal.
    controlPlane.delete("/api/v1/raw/clusters/legacy");
    putOrders(appB);
    await().atMost(WAIT).until(() -> lastApp.equals("b"));
    awaitMore(20);

    sending = false;
    traffic.join(15_000);
    assertThat(failures).as("of %d requests", sent.get()).isEmpty();
  }

  /**
   * The NACK storm of issue 14: every connected proxy refused an EDS update and the control plane
   * sent it again at once, thousands of times in ten seconds. Now each change the proxy refuses
   * costs exactly one NACK. A change the proxy accepts is the window's end: once its ACK is in,
   * anything the refusal would have set off has happened already.
   */
  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void endpointsTheProxyRefusesCostOneNackPerChangeAndCostNoRequest(String apiType)
      throws Exception {
    putOrders(appA, "5s");
    startProxy(apiType, controlPlane.xdsPort());
    int port = proxy.listenerAddresses().values().iterator().next().getPort();
    await().atMost(WAIT).ignoreExceptions().until(() -> get(port).endsWith("app a"));
    traffic = new Thread(() -> sendUntilStopped(port), "steady-traffic");
    traffic.start();
    awaitMore(20);

    // A stock Envoy takes a Unix-socket endpoint; the Attaché proxy refuses it.
    controlPlane.put(
        "/api/v1/raw/clusters/legacy",
        "{\"name\": \"legacy\", \"type\": \"EDS\", \"connect_timeout\": \"1s\","
            + " \"eds_cluster_config\": {\"eds_config\": {\"ads\": {}}}}");
    controlPlane.put("/api/v1/raw/endpoints/legacy", unixSocketEndpoints("/tmp/legacy-1.sock"));
    await().atMost(WAIT).until(() -> !lastNack(EDS).isEmpty());
    acceptedChange("6s");
    assertThat(controlPlane.nacks()).as("NACKs after one refused change").isEqualTo(1);

    controlPlane.put("/api/v1/raw/endpoints/legacy", unixSocketEndpoints("/tmp/legacy-2.sock"));
    await().atMost(WAIT).until(() -> controlPlane.nacks() >= 2);
    acceptedChange("7s");
    assertThat(controlPlane.nacks()).as("NACKs after two refused changes").isEqualTo(2);
    assertThat(lastApp).isEqualTo("a");

    controlPlane.delete("/api/v1/raw/clusters/legacy");
    controlPlane.delete("/api/v1/raw/endpoints/legacy");
    putOrders(appB, "7s");
    await().atMost(WAIT).until(() -> lastApp.equals("b"));
    awaitMore(20);

    sending = false;
    traffic.join(15_000);
    assertThat(failures).as("of %d requests", sent.get()).isEmpty();
    assertThat(controlPlane.nacks()).isEqualTo(2);
  }

  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  /** Changes only the route timeout of orders, and waits until the proxy has ACKed it. */
  private void acceptedChange(String timeout) {
    String before = routes().path("last_acked_version").asText();
    putOrders(appA, timeout);
    await()
        .atMost(WAIT)
        .until(
            () -> {
              String acked = routes().path("last_acked_version").asText();
              return !acked.equals(before)
                  && acked.equals(routes().path("last_sent_version").asText());
            });
  }

  private com.fasterxml.jackson.databind.JsonNode routes() {
    return controlPlane.proxy("attache-restart").path("types").path(RDS);
  }

  private static String unixSocketEndpoints(String path) {
    return "{\"cluster_name\": \"legacy\", \"endpoints\": [{\"lb_endpoints\": [{\"endpoint\":"
        + " {\"address\": {\"pipe\": {\"path\": \""
        + path
        + "\"}}}}]}]}";
  }

  private com.fasterxml.jackson.databind.JsonNode cds() {
    return controlPlane
        .proxy("attache-restart")
        .path("types")
        .path("type.googleapis.com/envoy.config.cluster.v3.Cluster");
  }

  private String lastNack(String typeUrl) {
    var status = controlPlane.proxy("attache-restart");
    if (status == null) {
      return "";
    }
    return status.path("types").path(typeUrl).path("last_nack").path("error_detail").asText("");
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static HttpServer app(String name) throws IOException {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        exchange -> {
          byte[] body = ("app " + name).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    return app;
  }

  private void putOrders(HttpServer app) {
    putOrders(app, "15s");
  }

  private void putOrders(HttpServer app, String timeout) {
    controlPlane.put(
        "/api/v1/services/orders",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"timeout\": \""
            + timeout
            + "\", \"endpoints\": [{\"address\": \"127.0.0.1\", \"port\": "
            + app.getAddress().getPort()
            + "}]}");
  }

  private void startProxy(String apiType, int xdsPort) throws Exception {
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads("attache-restart", "demo", apiType, Map.of(), "", xdsPort),
                false),
            new ProxyOptions(1, Duration.ofSeconds(5)));
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().size() == 1);
  }

  private void sendUntilStopped(int port) {
    while (sending) {
      try {
        String response = get(port);
        if (!response.startsWith("HTTP/1.1 200")) {
          failures.add(response.lines().findFirst().orElse("(empty)"));
        } else {
          lastApp = response.substring(response.length() - 1);
        }
      } catch (IOException e) {
        failures.add(e.toString());
      }
      sent.incrementAndGet();
    }
  }

  private void awaitMore(long more) {
    long target = sent.get() + more;
    await().atMost(WAIT).until(() -> sent.get() >= target);
  }

  private long gauge(String name) {
    var gauge = proxy.stats().gauges().get(name);
    return gauge == null ? 0 : gauge.value();
  }

  /** One HTTP/1.1 request for the orders service, over a plain socket. */
  private static String get(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /x HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
