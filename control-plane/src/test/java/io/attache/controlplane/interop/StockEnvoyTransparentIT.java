package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.interop.HttpProbe.Reply;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.envoyproxy.controlplane.cache.Resources;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transparent layout ({@code attache.interception: REDIRECT} in node metadata) fed to a stock
 * Envoy over ADS: every resource type ACKed — the {@code original_dst} listener filter, filter
 * chains matched by destination IP and port, {@code tcp_proxy} to {@code PassthroughCluster} /
 * {@code BlackHoleCluster} (ORIGINAL_DST and empty STATIC clusters) and the inbound listener with
 * its passthrough chain — under both outbound traffic policies and every mTLS mode (the Envoy
 * proves its identity with a bootstrap token, so it gets its certificate over SDS). Without
 * iptables the original destination of a connection is the address it reached, so a service whose
 * virtual IP is the outbound listener's own address and port shows Envoy choosing the chain by
 * original destination and routing by the address-valued Host header; REGISTRY_ONLY shows a
 * connection no service owns being closed. All on loopback, Envoy's ports chosen free; a missing
 * Envoy fails the test (see {@link StockEnvoyExtension}).
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dit.test=StockEnvoyTransparentIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(StockEnvoyExtension.class)
class StockEnvoyTransparentIT {

  private static final List<String> TYPES =
      List.of(
          Resources.V3.CLUSTER_TYPE_URL,
          Resources.V3.ENDPOINT_TYPE_URL,
          Resources.V3.LISTENER_TYPE_URL,
          Resources.V3.ROUTE_TYPE_URL);

  @TempDir Path dir;

  private Envoy envoy;
  private RunningEnvoy running;
  private InteropControlPlane controlPlane;
  private String nodeId;
  private int outboundPort;
  private int inboundPort;
  private HttpBackend web;
  private HttpBackend app;

  @BeforeEach
  void start(TestInfo test, Envoy envoy) throws Exception {
    this.envoy = envoy;
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    nodeId = "transparent-" + test.getTestMethod().orElseThrow().getName();
    outboundPort = ChildProcess.freePort();
    inboundPort = ChildProcess.freePort();
    web = HttpBackend.start("web");
    app = HttpBackend.start("app");
  }

  @AfterEach
  void stop() {
    web.close();
    app.close();
    controlPlane.close();
  }

  @Test
  void acksTheTransparentLayoutUnderEveryTrafficPolicyAndMtlsMode() throws Exception {
    controlPlane.put("/api/v1/services/web", service("10.96.0.10", 80));
    controlPlane.put(
        "/api/v1/services/web-canary",
        """
        {"port": 80, "protocol": "HTTP1", "addresses": ["10.96.0.11", "fd00::11"],
         "endpoints": [{"address": "10.1.0.7", "port": 8080}]}""");
    startEnvoy();
    awaitAllAcked();

    for (String defaults :
        List.of(
            """
            {"outbound_traffic_policy": "REGISTRY_ONLY"}""",
            """
            {"outbound_traffic_policy": "ALLOW_ANY", "mtls": {"mode": "PERMISSIVE"}}""",
            """
            {"outbound_traffic_policy": "REGISTRY_ONLY", "mtls": {"mode": "STRICT"}}""")) {
      String before = sentVersion(Resources.V3.LISTENER_TYPE_URL);
      controlPlane.put("/api/v1/defaults", defaults);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(sentVersion(Resources.V3.LISTENER_TYPE_URL))
                      .as(defaults)
                      .isNotEqualTo(before));
      awaitAllAcked();
    }
  }

  @Test
  void routesAConnectionByItsOriginalDestinationAndTheAddressInItsHostHeader() throws Exception {
    controlPlane.put("/api/v1/services/web", service("127.0.0.1", outboundPort));
    startEnvoy();
    awaitAllAcked();

    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(HttpProbe.send(outboundPort, "GET", "127.0.0.1:" + outboundPort, "/"))
                    .isEqualTo(new Reply(200, "web")));
    assertThat(HttpProbe.send(outboundPort, "GET", "web", "/")).isEqualTo(new Reply(200, "web"));
  }

  @Test
  void closesAConnectionNoServiceOwnsUnderRegistryOnly() throws Exception {
    controlPlane.put("/api/v1/defaults", "{\"outbound_traffic_policy\": \"REGISTRY_ONLY\"}");
    controlPlane.put("/api/v1/services/web", service("10.96.0.10", 80));
    startEnvoy();
    awaitAllAcked();

    Integer answered =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptionsInstanceOf(SocketException.class)
            .until(
                () -> bytesAnsweredTo("GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n"),
                bytes -> true);

    assertThat(answered)
        .as("BlackHoleCluster has no host: tcp_proxy closes the connection unanswered")
        .isZero();
    assertThat(running.stat("cluster.BlackHoleCluster.upstream_cx_none_healthy")).isPositive();
  }

  // --- helpers ---

  private void awaitAllAcked() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode proxy = controlPlane.proxy(nodeId);
              assertThat(proxy).as("connected").isNotNull();
              assertThat(proxy.get("types").fieldNames()).toIterable().containsAll(TYPES);
              for (String type : (Iterable<String>) () -> proxy.get("types").fieldNames()) {
                JsonNode status = proxy.get("types").get(type);
                assertThat(status.get("last_nack").isNull())
                    .as("%s NACK: %s", type, status.get("last_nack"))
                    .isTrue();
                assertThat(status.get("last_acked_version").asText())
                    .as(type)
                    .isNotEmpty()
                    .isEqualTo(status.get("last_sent_version").asText());
              }
            });
  }

  private String sentVersion(String type) {
    return controlPlane.proxy(nodeId).get("types").get(type).get("last_sent_version").asText();
  }

  /**
   * Sends {@code request} to the outbound listener and reads until the other side closes; the
   * number of bytes that came back. A refused connection (Envoy not listening yet) throws.
   */
  private int bytesAnsweredTo(String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", outboundPort), 2000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      try {
        return socket.getInputStream().readAllBytes().length;
      } catch (SocketException reset) {
        return 0; // closed with a reset: nothing was answered either
      }
    }
  }

  /** An HTTP1 service called at {@code address}:{@code port}, served by the "web" backend. */
  private String service(String address, int port) {
    return "{\"port\": "
        + port
        + ", \"protocol\": \"HTTP1\", \"addresses\": [\""
        + address
        + "\"], \"endpoints\": [{\"address\": \"127.0.0.1\", \"port\": "
        + web.port()
        + "}]}";
  }

  private void startEnvoy() throws IOException, InterruptedException {
    String bootstrap;
    try (InputStream in = getClass().getResourceAsStream("/interop/envoy-ads-bootstrap.yaml")) {
      bootstrap =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace(
                  "    attache.outbound_port: ${OUTBOUND_PORT}\n",
                  "    attache.outbound_port: ${OUTBOUND_PORT}\n"
                      + "    attache.interception: REDIRECT\n"
                      + "    attache.inbound_address: 127.0.0.1\n"
                      + "    attache.inbound_port: "
                      + inboundPort
                      + "\n"
                      + "    attache.app_port: "
                      + app.port()
                      + "\n")
              .replace(
                  "      - envoy_grpc: { cluster_name: attache_xds }\n",
                  "      - envoy_grpc: { cluster_name: attache_xds }\n"
                      + "        initial_metadata: [{ key: authorization, value: \"Bearer "
                      + controlPlane.issueBootstrapToken("default", "transparent")
                      + "\" }]\n")
              .replace("${NODE_ID}", nodeId)
              .replace("${NODE_CLUSTER}", "transparent")
              .replace("${OUTBOUND_PORT}", Integer.toString(outboundPort))
              .replace("${XDS_PORT}", Integer.toString(controlPlane.xdsPort()));
    }
    assertThat(bootstrap).contains("attache.interception: REDIRECT", "Bearer ");
    running = envoy.start(nodeId, bootstrap, dir.resolve("envoy"));
  }
}
