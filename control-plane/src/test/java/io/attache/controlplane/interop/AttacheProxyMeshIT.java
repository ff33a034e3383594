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
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mesh, end to end with our own parts only: a service defined through the REST API, the control
 * plane translating it, and an Attaché proxy in mesh mode (ADS) serving it on the outbound listener
 * — with the built-in mesh default retry rule visible in what the upstream received.
 */
class AttacheProxyMeshIT {
  /**
   * One HTTP/1.1 request with the given Host, over a plain socket (the JDK client forbids Host).
   */
  private static String get(int port, String host, String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private InteropControlPlane controlPlane;
  private HttpServer app;
  private ProxyServer proxy;
  private final AtomicInteger calls = new AtomicInteger();

  @BeforeEach
  void start(@TempDir Path dir) throws IOException {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        exchange -> {
          // Every other call fails with 503: the mesh default retries it once more.
          int n = calls.incrementAndGet();
          byte[] body = ("call " + n).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(n % 2 == 1 ? 503 : 200, body.length);
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
  void aRestDefinedServiceIsServedByAnAttacheProxyWithTheMeshDefaultRetryRule() throws Exception {
    controlPlane.put(
        "/api/v1/services/orders",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
            + " \"port\": "
            + app.getAddress().getPort()
            + "}]}");
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    "attache-1", "demo", "GRPC", Map.of(), "", controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1)));
    await().atMost(Duration.ofSeconds(30)).until(() -> proxy.listenerAddresses().size() == 1);
    int port = proxy.listenerAddresses().values().iterator().next().getPort();
    String response =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> get(port, "orders", "/x"), resp -> resp.startsWith("HTTP/1.1 200"));

    assertThat(response).endsWith("call " + calls.get());
    assertThat(calls.get() % 2).isZero(); // the 503 before it was retried by the proxy
    assertThat(proxy.stats().counters().get("cluster.orders.upstream_rq_retry").value())
        .isPositive();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              var types = controlPlane.proxy("attache-1").get("types");
              assertThat(types.size()).isEqualTo(4); // LDS, RDS, CDS, EDS
              types.forEach(
                  t -> {
                    assertThat(t.get("last_acked_version")).isEqualTo(t.get("last_sent_version"));
                    assertThat(t.get("last_nack").isNull()).isTrue();
                  });
            });
  }

  /**
   * A service reached by a DNS name (issue 14: the proxy NACKed it as an EDS host, in a storm) is a
   * STRICT_DNS cluster the proxy resolves itself, over either ADS protocol.
   */
  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void aServiceReachedByADnsNameIsResolvedByTheAttacheProxy(String apiType) throws Exception {
    controlPlane.put(
        "/api/v1/services/orders",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"localhost\","
            + " \"port\": "
            + app.getAddress().getPort()
            + "}]}");
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    "attache-dns", "demo", apiType, Map.of(), "", controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1)));
    await().atMost(Duration.ofSeconds(30)).until(() -> proxy.listenerAddresses().size() == 1);
    int port = proxy.listenerAddresses().values().iterator().next().getPort();

    String response =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> get(port, "orders", "/x"), resp -> resp.startsWith("HTTP/1.1 200"));

    assertThat(response).endsWith("call " + calls.get());
    var types = controlPlane.proxy("attache-dns").get("types");
    types.forEach(t -> assertThat(t.get("last_nack").isNull()).isTrue());
    assertThat(types.has("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"))
        .as("no EDS for a DNS cluster")
        .isFalse();
  }
}
