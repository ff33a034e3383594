package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.stats.Counter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mesh mTLS end to end with our own parts only: the control plane with {@code mtls: STRICT}, its CA
 * and SDS; three Attaché sidecars that prove their identities over plaintext xDS with bootstrap
 * tokens issued through REST ({@code initial_metadata: authorization: Bearer ...}); plain HTTP apps
 * behind them. The callers ({@code orders}, {@code batch}) have no app of their own: the test is
 * their app and calls their outbound listeners. The payments endpoint the control plane hands out
 * is a {@link TcpRelay} in front of payments' inbound listener, so the test sees the bytes between
 * the proxies.
 */
class MutualTlsMeshIT {

  private static final String ORDERS = "spiffe://attache.local/ns/default/sa/orders";
  private static final String BATCH = "spiffe://attache.local/ns/default/sa/batch";

  private InteropControlPlane controlPlane;
  private HttpServer paymentsApp;
  private TcpRelay wire;
  private final List<ProxyServer> proxies = new ArrayList<>();

  /** What the payments app saw: "METHOD path | x-forwarded-client-cert". */
  private final List<String> paymentsSaw = new CopyOnWriteArrayList<>();

  private ProxyServer orders;
  private ProxyServer batch;
  private ProxyServer payments;
  private int paymentsInbound;

  @AfterEach
  void stop() throws IOException {
    proxies.forEach(p -> p.drainAndStop(Duration.ZERO));
    if (wire != null) {
      wire.close();
    }
    if (paymentsApp != null) {
      paymentsApp.stop(0);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void sidecarsTalkMutualTlsCarryTheCallersIdentityAndEnforcePoliciesOnIt(@TempDir Path dir)
      throws Exception {
    startMesh(InteropControlPlane.start(dir.resolve("data")));

    String first = awaitThrough(orders, "GET", "/balance", "");
    assertThat(first).startsWith("HTTP/1.1 200").endsWith("xfcc: " + xfccOf(first));
    assertThat(xfccOf(first)).contains("URI=" + ORDERS).contains("Hash=");

    byte[] onTheWire = wire.firstBytes();
    assertThat(onTheWire).as("a TLS handshake record, version 3.x").startsWith(0x16, 0x03);
    assertThat(new String(onTheWire, StandardCharsets.ISO_8859_1))
        .doesNotContain("HTTP/1.1")
        .doesNotContain("/balance");
    assertThat(listenerHandshakes(payments))
        .as("payments' inbound listener terminated TLS")
        .isPositive();

    int seen = paymentsSaw.size();
    long tlsErrorsBefore = listenerTlsErrors(payments);
    // The connection must be accepted (a refused one throws here): only then is "no HTTP answer"
    // the TLS listener's refusal, which its ssl.connection_error counter then shows.
    assertThat(answerToPlaintext(paymentsInbound, "GET", "/balance", "payments"))
        .as("a plaintext client straight to the inbound listener gets no HTTP answer")
        .doesNotContain("HTTP/1.1");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(listenerTlsErrors(payments))
                    .as("payments' inbound listener failed the plaintext handshake")
                    .isGreaterThan(tlsErrorsBefore));
    assertThat(paymentsSaw).hasSize(seen);

    String forged =
        send(
            outbound(batch),
            "GET",
            "/balance",
            "payments",
            "x-forwarded-client-cert: By=x;URI=" + ORDERS + "\r\n");
    assertThat(forged).startsWith("HTTP/1.1 200");
    assertThat(xfccOf(forged))
        .as("the app sees who really called, never what the caller wrote")
        .contains("URI=" + BATCH)
        .doesNotContain(ORDERS);

    controlPlane.put(
        "/api/v1/authorizations/orders-may-charge",
        "{\"target\": \"payments\", \"action\": \"ALLOW\", \"rules\": [{\"from\": {\"principals\":"
            + " [\""
            + ORDERS
            + "\"]}, \"to\": {\"methods\": [\"POST\"], \"paths\": [\"/charge\"]}}]}");
    String denied =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> send(outbound(batch), "POST", "/charge", "payments", ""),
                r -> r.startsWith("HTTP/1.1 403"));
    assertThat(denied).endsWith("RBAC: access denied");
    paymentsSaw.clear(); // calls before the policy arrived reached the app, as they should

    assertThat(send(outbound(orders), "POST", "/charge", "payments", ""))
        .startsWith("HTTP/1.1 200")
        .contains("URI=" + ORDERS);
    assertThat(send(outbound(batch), "POST", "/charge", "payments", ""))
        .startsWith("HTTP/1.1 403")
        .endsWith("RBAC: access denied");
    assertThat(
            send(
                outbound(batch),
                "POST",
                "/charge",
                "payments",
                "x-forwarded-client-cert: By=x;URI=" + ORDERS + "\r\n"))
        .as("a forged x-forwarded-client-cert does not make batch orders")
        .startsWith("HTTP/1.1 403");
    assertThat(send(outbound(orders), "GET", "/balance", "payments", ""))
        .as("the policy allows orders only POST /charge")
        .startsWith("HTTP/1.1 403");
    assertThat(paymentsSaw).hasSize(1);
    assertThat(paymentsSaw.get(0)).startsWith("POST /charge | ").contains("URI=" + ORDERS);
    assertThat(counter(payments, "http.inbound.rbac.denied")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void workloadCertificatesRotateUnderSteadyTrafficWithoutAFailedRequest(@TempDir Path dir)
      throws Exception {
    // 4 s certificates are renewed every 2 s; the test runs until several renewals reached both
    // ends, so it takes about as long as that, bounded below.
    startMesh(
        InteropControlPlane.startWithWorkloadCertTtl(dir.resolve("data"), Duration.ofSeconds(4)));
    awaitThrough(orders, "GET", "/balance", "");
    long ordersUpdatesBefore = counter(orders, "sds.default.update_success");
    long paymentsUpdatesBefore = counter(payments, "sds.default.update_success");

    AtomicInteger requests = new AtomicInteger();
    List<String> failures = new CopyOnWriteArrayList<>();
    Set<String> paymentsSerials = ConcurrentHashMap.newKeySet();
    Set<String> ordersSerials = ConcurrentHashMap.newKeySet();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              requests.incrementAndGet();
              String response = sendQuietly(outbound(orders), "GET", "/balance", "payments", "");
              if (!response.startsWith("HTTP/1.1 200") || !response.contains("URI=" + ORDERS)) {
                failures.add(
                    response.isEmpty() ? "no response" : response.lines().findFirst().get());
              }
              serial("payments-1").ifPresent(paymentsSerials::add);
              serial("orders-1").ifPresent(ordersSerials::add);
              return counter(orders, "sds.default.update_success") >= ordersUpdatesBefore + 3
                  && counter(payments, "sds.default.update_success") >= paymentsUpdatesBefore + 3;
            });

    assertThat(failures).as("of %d requests", requests.get()).isEmpty();
    assertThat(requests.get()).isGreaterThan(20);
    assertThat(paymentsSerials).hasSizeGreaterThanOrEqualTo(3);
    assertThat(ordersSerials).hasSizeGreaterThanOrEqualTo(3);
    assertThat(counter(orders, "sds.default.update_rejected")).isZero();
    assertThat(counter(payments, "sds.default.update_rejected")).isZero();
  }

  /**
   * STRICT mesh defaults, the payments app behind a relay, and three sidecars, each proving its
   * identity with a token issued for it.
   */
  private void startMesh(InteropControlPlane started) throws Exception {
    controlPlane = started;
    controlPlane.put("/api/v1/defaults", "{\"mtls\": {\"mode\": \"STRICT\"}}");
    paymentsApp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    paymentsApp.createContext(
        "/",
        exchange -> {
          String xfcc = exchange.getRequestHeaders().getFirst("x-forwarded-client-cert");
          paymentsSaw.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " | "
                  + xfcc);
          exchange.getRequestBody().readAllBytes();
          byte[] body = ("xfcc: " + xfcc).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    paymentsApp.start();
    paymentsInbound = freePort();
    wire = TcpRelay.to(paymentsInbound);
    controlPlane.put(
        "/api/v1/services/payments",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
            + " \"port\": "
            + wire.port()
            + "}]}");

    payments =
        sidecar(
            "payments-1",
            "payments",
            controlPlane.issueBootstrapToken("default", "payments"),
            MeshBootstraps.sidecarPorts(
                freePort(), paymentsInbound, paymentsApp.getAddress().getPort()));
    orders =
        sidecar(
            "orders-1",
            "orders",
            controlPlane.issueBootstrapToken("default", "orders"),
            MeshBootstraps.outboundOnly(freePort()));
    batch =
        sidecar(
            "batch-1",
            "batch",
            controlPlane.issueBootstrapToken("default", "batch"),
            MeshBootstraps.outboundOnly(freePort()));
  }

  private ProxyServer sidecar(String id, String service, String token, Map<String, ?> metadata)
      throws Exception {
    ProxyServer proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    id, service, "DELTA_GRPC", metadata, token, controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1)));
    proxies.add(proxy);
    return proxy;
  }

  /** Calls payments through a caller's outbound listener until the mesh answers 200. */
  private String awaitThrough(ProxyServer caller, String method, String path, String headers) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> send(outbound(caller), method, path, "payments", headers),
            r -> r.startsWith("HTTP/1.1 200"));
  }

  private static int outbound(ProxyServer proxy) {
    return proxy.listenerAddresses().entrySet().stream()
        .filter(e -> e.getKey().startsWith("outbound"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no outbound listener yet"))
        .getValue()
        .getPort();
  }

  private java.util.Optional<String> serial(String nodeId) {
    JsonNode status = controlPlane.proxy(nodeId);
    if (status == null || status.path("certificate").isNull()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(status.path("certificate").path("serial").asText());
  }

  private static long counter(ProxyServer proxy, String name) {
    Counter counter = proxy.stats().counters().get(name);
    return counter == null ? 0 : counter.value();
  }

  /** {@code listener.<stat prefix>.ssl.handshake}, summed over the proxy's listeners. */
  private static long listenerHandshakes(ProxyServer proxy) {
    return proxy.stats().counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("listener.") && e.getKey().endsWith(".ssl.handshake"))
        .mapToLong(e -> e.getValue().value())
        .sum();
  }

  /** {@code listener.<stat prefix>.ssl.connection_error}, summed over the proxy's listeners. */
  private static long listenerTlsErrors(ProxyServer proxy) {
    return proxy.stats().counters().entrySet().stream()
        .filter(
            e -> e.getKey().startsWith("listener.") && e.getKey().endsWith(".ssl.connection_error"))
        .mapToLong(e -> e.getValue().value())
        .sum();
  }

  /**
   * A plaintext HTTP/1.1 request to a port that must be listening (a refused connection throws),
   * and whatever came back before the server closed or reset the connection.
   */
  private static String answerToPlaintext(int port, String method, String path, String host)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
      try {
        s.getOutputStream()
            .write(
                (method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        s.getInputStream().transferTo(answer);
      } catch (java.net.SocketException reset) {
        // The listener may reset instead of closing: still no HTTP answer.
      }
      return answer.toString(StandardCharsets.ISO_8859_1);
    }
  }

  private static String xfccOf(String response) {
    int at = response.indexOf("xfcc: ");
    return at < 0 ? "" : response.substring(at + "xfcc: ".length());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** As {@link #send}, but a connection that fails or is reset answers "". */
  private static String sendQuietly(
      int port, String method, String path, String host, String headers) {
    try {
      return send(port, method, path, host, headers);
    } catch (IOException refused) {
      return "";
    }
  }

  /** One HTTP/1.1 request over a plain socket; returns the whole response. */
  private static String send(int port, String method, String path, String host, String headers)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              (method
                      + " "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + host
                      + "\r\n"
                      + headers
                      + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
