package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.controlplane.testing.RestClient;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits end to end with our own parts: written through REST, translated to Envoy's
 * local_ratelimit filter on the inbound listener of the limited service's sidecar (a route's limit
 * on a route of its own), pushed over ADS to an Attaché proxy, enforced on real sockets. Buckets
 * refill once an hour, so every count below is exact whatever the machine's load.
 */
class RateLimitMeshIT {

  private InteropControlPlane controlPlane;
  private HttpServer app;
  private ProxyServer proxy;
  private final List<String> appSaw = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start(@TempDir Path dir) throws IOException {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        exchange -> {
          appSaw.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
          exchange.getRequestBody().readAllBytes();
          byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    app.stop(0);
    controlPlane.close();
  }

  @Test
  void serviceAndRouteLimitsWrittenThroughRestAnswer429And503OnceTheirBucketsAreEmpty()
      throws Exception {
    int inboundPort = freePort();
    int appPort = app.getAddress().getPort();
    proxy = sidecar("payments-1", "payments", inboundPort, appPort);
    String service =
        "{\"port\": 8080, \"endpoints\": [{\"address\": \"127.0.0.1\", \"port\": " + appPort + "}]";
    controlPlane.put("/api/v1/services/payments", service + "}");
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> send(inboundPort, "GET", "/balance").startsWith("HTTP/1.1 200"));

    RestClient rest = new RestClient(controlPlane.httpPort());
    HttpResponse<String> refused =
        rest.put(
            "/api/v1/services/payments",
            service
                + ", \"rate_limit\": {\"tokens_per_fill\": 10, \"fill_interval\": \"1s\","
                + " \"max_tokens\": 5}}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("rate_limit.max_tokens");
    assertThat(rest.get("/api/v1/services/payments").body()).doesNotContain("rate_limit");

    controlPlane.put(
        "/api/v1/routes/charge",
        "{\"hosts\": [\"payments\"], \"path_prefix\": \"/charge\","
            + " \"destinations\": [{\"service\": \"payments\"}],"
            + " \"rate_limit\": {\"tokens_per_fill\": 1, \"fill_interval\": \"3600s\","
            + " \"status\": 503}}");
    controlPlane.put(
        "/api/v1/services/payments",
        service
            + ", \"rate_limit\": {\"tokens_per_fill\": 3, \"fill_interval\": \"3600s\","
            + " \"x_ratelimit_headers\": true}}");
    // The first response with the service's headers spent the bucket's first token.
    String first =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> lower(send(inboundPort, "GET", "/balance")), r -> r.contains("x-ratelimit"));
    assertThat(first)
        .startsWith("http/1.1 200")
        .contains("x-ratelimit-limit: 3\r\n", "x-ratelimit-remaining: 2\r\n");
    assertThat(lower(send(inboundPort, "GET", "/balance")))
        .startsWith("http/1.1 200")
        .contains("x-ratelimit-remaining: 1\r\n");
    assertThat(lower(send(inboundPort, "GET", "/balance")))
        .startsWith("http/1.1 200")
        .contains("x-ratelimit-remaining: 0\r\n");
    appSaw.clear();
    String limited = lower(send(inboundPort, "GET", "/balance"));
    assertThat(limited)
        .startsWith("http/1.1 429")
        .contains("x-ratelimit-limit: 3\r\n", "x-ratelimit-remaining: 0\r\n")
        .endsWith("local_rate_limited");

    assertThat(lower(send(inboundPort, "POST", "/charge")))
        .as("the route has a bucket of its own, and sends no x-ratelimit headers")
        .startsWith("http/1.1 200")
        .doesNotContain("x-ratelimit");
    assertThat(lower(send(inboundPort, "POST", "/charge")))
        .startsWith("http/1.1 503")
        .endsWith("local_rate_limited");
    assertThat(appSaw).containsExactly("POST /charge");
    assertThat(
            proxy
                .stats()
                .counters()
                .get("inbound_rate_limit.http_local_rate_limit.rate_limited")
                .value())
        .isEqualTo(2);
  }

  private static String lower(String response) {
    return response.toLowerCase(Locale.ROOT);
  }

  private ProxyServer sidecar(String id, String service, int inboundPort, int appPort)
      throws Exception {
    return ProxyServer.start(
        BootstrapLoader.parse(
            MeshBootstraps.ads(
                id,
                service,
                "DELTA_GRPC",
                MeshBootstraps.sidecarPorts(freePort(), inboundPort, appPort),
                "",
                controlPlane.xdsPort()),
            false),
        new ProxyOptions(1, Duration.ofSeconds(1)));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** One HTTP/1.1 request over a plain socket; returns the whole response. */
  private static String send(int port, String method, String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              (method
                      + " "
                      + path
                      + " HTTP/1.1\r\nHost: payments\r\nContent-Length: 0\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
