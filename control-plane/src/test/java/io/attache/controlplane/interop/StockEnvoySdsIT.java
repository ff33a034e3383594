package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.envoyproxy.controlplane.cache.Resources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mesh mTLS with stock Envoy sidecars: the control plane with {@code mtls: STRICT} hands workload
 * certificates to Envoy over SDS on the ADS stream, and Envoy proves its identity with a bootstrap
 * token issued through REST ({@code grpc_services[0].initial_metadata: authorization: Bearer ...}).
 * This is the SDS half of {@link MutualTlsMeshIT} with Envoy in place of the Attaché proxy, plus
 * one mixed pair (an Attaché caller, an Envoy callee), so the certificates and transport sockets
 * the control plane generates are checked against the proxy whose semantics they follow. The Envoys
 * are the stock binary {@link StockEnvoyExtension} hands over (a missing one fails the test), each
 * with its own dynamic base id and an admin port of the kernel's choosing. Must never reach into
 * the control plane's internals: everything is configured through REST, as an operator would.
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dit.test=StockEnvoySdsIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(StockEnvoyExtension.class)
class StockEnvoySdsIT {

  private static final String ORDERS = "spiffe://attache.local/ns/default/sa/orders";

  @TempDir Path dir;

  private Envoy envoy;
  private InteropControlPlane controlPlane;
  private HttpServer paymentsApp;
  private int paymentsInbound;
  private final List<ProxyServer> proxies = new ArrayList<>();

  /** What the payments app saw: "METHOD path | x-forwarded-client-cert". */
  private final List<String> paymentsSaw = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startMeshWithPaymentsApp(Envoy envoy) throws Exception {
    this.envoy = envoy;
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    controlPlane.put("/api/v1/defaults", "{\"mtls\": {\"mode\": \"STRICT\"}}");
    paymentsApp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    paymentsApp.createContext(
        "/",
        exchange -> {
          String xfcc = exchange.getRequestHeaders().getFirst("x-forwarded-client-cert");
          String caller = exchange.getRequestHeaders().getFirst("x-attache-caller");
          paymentsSaw.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " | "
                  + xfcc);
          exchange.getRequestBody().readAllBytes();
          // The verified caller first: xfccOf reads from "xfcc: " to the end.
          byte[] body = ("caller: " + caller + "\nxfcc: " + xfcc).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    paymentsApp.start();
    paymentsInbound = freePort();
    controlPlane.put(
        "/api/v1/services/payments",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
            + " \"port\": "
            + paymentsInbound
            + "}]}");
  }

  @AfterEach
  void stop() {
    proxies.forEach(p -> p.drainAndStop(Duration.ZERO));
    if (paymentsApp != null) {
      paymentsApp.stop(0);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void envoySidecarsAckSdsCertificatesAndCallEachOtherOverMutualTls() throws Exception {
    startEnvoy("payments-1", "payments", freePort(), paymentsInboundMetadata());
    int ordersOutbound = freePort();
    startEnvoy("orders-1", "orders", ordersOutbound, "");

    awaitEveryTypeAcked("payments-1");
    awaitEveryTypeAcked("orders-1");

    String response = awaitThrough(ordersOutbound);
    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(xfccOf(response)).contains("URI=" + ORDERS);
    assertThat(paymentsSaw).last().asString().startsWith("GET /balance | ").contains(ORDERS);

    int seen = paymentsSaw.size();
    assertThat(sendQuietly(paymentsInbound, "GET", "/balance", "payments"))
        .as("a plaintext client straight to Envoy's inbound listener gets no HTTP answer")
        .doesNotContain("HTTP/1.1");
    assertThat(paymentsSaw).hasSize(seen);
  }

  @Test
  void anAttacheCallerReachesAnEnvoyCalleeOverMutualTls() throws Exception {
    startEnvoy("payments-1", "payments", freePort(), paymentsInboundMetadata());
    int ordersOutbound = freePort();
    attacheSidecar("orders-1", "orders", ordersOutbound);

    awaitEveryTypeAcked("payments-1");
    String response = awaitThrough(ordersOutbound);

    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(xfccOf(response))
        .as("Envoy verified the Attaché proxy's certificate and forwarded its identity")
        .contains("URI=" + ORDERS);
  }

  @Test
  void anEnvoyCalleeVerifiesTheAttacheCallersIdentityTokenAgainstTheControlPlanesJwks()
      throws Exception {
    controlPlane.put(
        "/api/v1/defaults",
        "{\"mtls\": {\"mode\": \"STRICT\"}, \"identity_token\": {\"enabled\": true}}");
    RunningEnvoy payments =
        startEnvoy("payments-1", "payments", freePort(), paymentsInboundMetadata());
    int ordersOutbound = freePort();
    attacheSidecar("orders-1", "orders", ordersOutbound);
    int batchOutbound = freePort();
    startEnvoy("batch-1", "batch", batchOutbound, "");

    awaitEveryTypeAcked("payments-1");
    awaitEveryTypeAcked("batch-1");
    String response = awaitThrough(ordersOutbound);

    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(response)
        .as("Envoy's jwt_authn fetched the JWKS through the generated cluster and verified it")
        .contains("caller: " + ORDERS + "\n");
    assertThat(counter(payments, "http.inbound.jwt_authn.allowed")).isPositive();
    assertThat(counter(payments, "http.inbound.jwt_authn.denied")).isZero();
    String fromEnvoy = awaitThrough(batchOutbound);
    assertThat(fromEnvoy)
        .as("an Envoy caller mints nothing: let through, no verified caller, mTLS still names it")
        .contains("caller: null\n")
        .contains("URI=spiffe://attache.local/ns/default/sa/batch");
  }

  // --- helpers ---

  private String paymentsInboundMetadata() {
    return """
        attache.inbound_address: 127.0.0.1
        attache.inbound_port: %d
        attache.app_port: %d
    """
        .formatted(paymentsInbound, paymentsApp.getAddress().getPort());
  }

  /**
   * A stock Envoy sidecar for {@code service}, proving the identity {@code default/<service>} with
   * a token issued for it.
   */
  private RunningEnvoy startEnvoy(
      String nodeId, String service, int outboundPort, String inboundMetadata)
      throws IOException, InterruptedException {
    String token = controlPlane.issueBootstrapToken("default", service);
    String bootstrap =
        """
        node:
          id: %s
          cluster: %s
          metadata:
            attache.outbound_address: 127.0.0.1
            attache.outbound_port: %d
        %s
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services:
            - envoy_grpc: { cluster_name: attache_xds }
              initial_metadata: [{ key: authorization, value: "Bearer %s" }]
          cds_config: { ads: {}, resource_api_version: V3 }
          lds_config: { ads: {}, resource_api_version: V3 }
        static_resources:
          clusters:
          - name: attache_xds
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { http2_protocol_options: {} }
            load_assignment:
              cluster_name: attache_xds
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
            .formatted(
                nodeId,
                service,
                outboundPort,
                inboundMetadata.stripTrailing(),
                token,
                controlPlane.xdsPort());
    return envoy.start(nodeId, bootstrap, dir.resolve("envoy"));
  }

  /** One counter from Envoy's admin /stats (0 while Envoy has not created it). */
  private static long counter(RunningEnvoy envoy, String name)
      throws IOException, InterruptedException {
    String line = "\n" + envoy.admin("/stats?filter=%5E" + name.replace(".", "%5C.") + "%24");
    int at = line.indexOf("\n" + name + ": ");
    if (at < 0) {
      return 0;
    }
    String rest = line.substring(at + name.length() + 3);
    int end = rest.indexOf('\n');
    return Long.parseLong((end < 0 ? rest : rest.substring(0, end)).strip());
  }

  /** The in-process Attaché sidecar, as {@link MutualTlsMeshIT} starts them. */
  private void attacheSidecar(String nodeId, String service, int outboundPort) throws Exception {
    String token = controlPlane.issueBootstrapToken("default", service);
    proxies.add(
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    nodeId,
                    service,
                    "DELTA_GRPC",
                    MeshBootstraps.outboundOnly(outboundPort),
                    token,
                    controlPlane.xdsPort()),
                false),
            new ProxyOptions(1, Duration.ofSeconds(1))));
  }

  /**
   * Every type the node was sent, Secret among them, ACKed at the version sent and never NACKed.
   */
  private void awaitEveryTypeAcked(String nodeId) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode proxy = controlPlane.proxy(nodeId);
              assertThat(proxy).as(nodeId).isNotNull();
              assertThat(proxy.get("user_agent").asText()).isEqualTo("envoy");
              for (String type :
                  List.of(
                      Resources.V3.CLUSTER_TYPE_URL,
                      Resources.V3.ENDPOINT_TYPE_URL,
                      Resources.V3.LISTENER_TYPE_URL,
                      Resources.V3.ROUTE_TYPE_URL,
                      Resources.V3.SECRET_TYPE_URL)) {
                JsonNode status = proxy.get("types").get(type);
                assertThat(status).as("%s %s", nodeId, type).isNotNull();
                assertThat(status.get("last_acked_version").asText())
                    .as("%s %s", nodeId, type)
                    .isNotEmpty()
                    .isEqualTo(status.get("last_sent_version").asText());
                assertThat(status.get("last_nack").isNull()).as("%s %s", nodeId, type).isTrue();
              }
            });
  }

  /** Calls payments through a caller's outbound listener until the mesh answers 200. */
  private static String awaitThrough(int callerOutbound) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> send(callerOutbound, "GET", "/balance", "payments"),
            r -> r.startsWith("HTTP/1.1 200"));
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
  private static String sendQuietly(int port, String method, String path, String host) {
    try {
      return send(port, method, path, host);
    } catch (IOException resetOrRefused) {
      return "";
    }
  }

  /** One HTTP/1.1 request over a plain socket; returns the whole response. */
  private static String send(int port, String method, String path, String host) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              (method
                      + " "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
