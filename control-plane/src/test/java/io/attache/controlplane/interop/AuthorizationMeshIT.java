package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authorization policies end to end with our own parts: written through REST, translated to Envoy's
 * RBAC filter on the inbound listener of the target service's sidecar, pushed over ADS to an
 * Attaché proxy, enforced on real sockets. Plaintext callers have no identity, so a rule naming a
 * principal never lets them in; identity-based allows over mTLS are covered by the TLS tests.
 */
class AuthorizationMeshIT {

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
          byte[] body = "paid".getBytes(StandardCharsets.UTF_8);
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
  void denyAndAllowPoliciesWrittenThroughRestAreEnforcedByTheSidecarsInboundListener()
      throws Exception {
    int inboundPort = freePort();
    proxy = sidecar("payments-1", "payments", inboundPort, app.getAddress().getPort());
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> send(inboundPort, "GET", "/balance").startsWith("HTTP/1.1 200"));

    controlPlane.put(
        "/api/v1/authorizations/no-admin",
        "{\"target\": \"payments\", \"action\": \"DENY\","
            + " \"rules\": [{\"to\": {\"paths\": [\"/admin/*\"]}}]}");
    String denied =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> send(inboundPort, "GET", "/admin/users"), r -> r.startsWith("HTTP/1.1 403"));
    assertThat(denied).endsWith("RBAC: access denied");
    appSaw.clear(); // probes sent before the policy arrived reached the app, as they should
    assertThat(send(inboundPort, "GET", "/admin/users")).startsWith("HTTP/1.1 403");
    assertThat(send(inboundPort, "GET", "/balance")).startsWith("HTTP/1.1 200");
    assertThat(appSaw).containsExactly("GET /balance");

    controlPlane.put(
        "/api/v1/authorizations/orders-may-charge",
        "{\"target\": \"payments\", \"action\": \"ALLOW\", \"rules\": [{\"from\": {\"principals\":"
            + " [\"spiffe://attache.local/ns/default/sa/orders\"]}, \"to\": {\"methods\":"
            + " [\"POST\"], \"paths\": [\"/charge\"]}}]}");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> send(inboundPort, "GET", "/balance"), r -> r.startsWith("HTTP/1.1 403"));
    int before = appSaw.size();
    assertThat(send(inboundPort, "POST", "/charge"))
        .as("a plaintext caller proves no identity, so the allow rule cannot match it")
        .startsWith("HTTP/1.1 403");
    assertThat(appSaw).hasSize(before);
    assertThat(proxy.stats().counters().get("http.inbound.rbac.denied").value())
        .isGreaterThanOrEqualTo(3);

    controlPlane.delete("/api/v1/authorizations/orders-may-charge");
    controlPlane.delete("/api/v1/authorizations/no-admin");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> send(inboundPort, "GET", "/admin/users"), r -> r.startsWith("HTTP/1.1 200"));
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
