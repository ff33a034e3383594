package io.attache.dataplane.tcpproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * TCP tunnelled over HTTP/1.1 CONNECT, through real sockets: a TCP client → Attaché's tcp_proxy
 * with {@code tunneling_config} → a stock Envoy terminating the CONNECT ({@code connect_config} on
 * a {@code connect_matcher} route that also matches the tunnel's added header) → a TCP echo server.
 * A large payload crosses both ways with a half-close at the end; a tunnel Envoy refuses (404: no
 * route without the header) closes the client's connection and counts as a failed connect.
 */
@ExtendWith(StockEnvoyExtension.class)
class TcpTunnelIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PAYLOAD_BYTES = 4 * 1024 * 1024;
  private static final long SEED = 0x7e55e1L;

  @TempDir Path dir;
  private Envoy envoy;
  private TcpTestServer echo;
  private RunningEnvoy terminator;
  private ProxyHarness attache;
  private final ExecutorService writer = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    echo = new TcpTestServer("echo", TcpTestServer.Mode.ECHO);
    terminator = envoy.start("terminate", terminatingEnvoy(echo.port()), dir.resolve("envoy"));
    int terminatorPort = listenerPort(terminator, "terminate");
    attache = ProxyHarness.start(encapsulatingAttache(terminatorPort));
  }

  @AfterEach
  void stop() throws Exception {
    writer.shutdownNow();
    if (attache != null) {
      attache.close();
    }
    if (terminator != null) {
      terminator.close();
    }
    if (echo != null) {
      echo.close();
    }
  }

  private static String terminatingEnvoy(int echoPort) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: terminate
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: terminate
                  upgrade_configs: [ { upgrade_type: CONNECT } ]
                  http2_protocol_options: { allow_connect: true }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match:
                          connect_matcher: {}
                          headers: [ { name: foo, string_match: { exact: bar } } ]
                        route:
                          cluster: echo
                          upgrade_configs: [ { upgrade_type: CONNECT, connect_config: {} } ]
                      - match:
                          prefix: /
                          headers:
                          - { name: foo, string_match: { exact: bar } }
                          - { name: ":method", string_match: { exact: POST } }
                        route:
                          cluster: echo
                          upgrade_configs:
                          - { upgrade_type: CONNECT, connect_config: { allow_post: true } }
          clusters:
          - name: echo
            type: STATIC
            connect_timeout: 2s
            load_assignment:
              cluster_name: echo
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
        .formatted(echoPort);
  }

  private static String encapsulatingAttache(int terminatorPort) {
    String withHeader = "headers_to_add: [ { header: { key: foo, value: bar } } ]";
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        """
        + tunnelListener("tunnel_h1", "terminator_h1", withHeader)
        + tunnelListener("tunnel_h2", "terminator_h2", withHeader)
        + tunnelListener("post_h2", "terminator_h2_post", withHeader + ", use_post: true")
        + tunnelListener("refused", "terminator", "use_post: false")
        + "  clusters:\n"
        + terminatorCluster("terminator", "http_protocol_options", terminatorPort)
        + terminatorCluster("terminator_h1", "http_protocol_options", terminatorPort)
        + terminatorCluster("terminator_h2", "http2_protocol_options", terminatorPort)
        + terminatorCluster("terminator_h2_post", "http2_protocol_options", terminatorPort);
  }

  /** A listener item (at the listeners' indentation) whose tcp_proxy tunnels to {@code cluster}. */
  private static String tunnelListener(String name, String cluster, String tunnelingFields) {
    return """
          - name: %s
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
                  tunneling_config: { hostname: "echo.internal:7", %s }
        """
        .formatted(name, name, cluster, tunnelingFields);
  }

  private static String terminatorCluster(String name, String protocolOptions, int port) {
    return """
          - name: %s
            type: STATIC
            connect_timeout: 2s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { %s: {} }
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
        .formatted(name, protocolOptions, name, port);
  }

  private static int listenerPort(RunningEnvoy running, String listener) {
    Pattern p =
        Pattern.compile(
            "\"name\":\\s*\"" + Pattern.quote(listener) + "\".*?\"port_value\":\\s*(\\d+)",
            Pattern.DOTALL);
    int[] port = {0};
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Matcher m = p.matcher(running.admin("/listeners?format=json"));
              if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
              }
              return port[0] > 0;
            });
    return port[0];
  }

  private int attachePort(String listener) {
    return attache.server().listenerAddresses().get(listener).getPort();
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout((int) WAIT.toMillis());
    s.setTcpNoDelay(true);
    return s;
  }

  /** Reads to end of stream; a reset after the peer's close counts as the end. */
  private static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // closed by the proxy with data unread: still the end of this connection
    }
    return out.toByteArray();
  }

  @ParameterizedTest(name = "{0} to {1} ({2})")
  @CsvSource({
    "tunnel_h1, terminator_h1, http1",
    "tunnel_h2, terminator_h2, http2",
    "post_h2, terminator_h2_post, http2"
  })
  void aLargePayloadCrossesTheTunnelBothWaysUntilTheClientEndsIt(
      String listener, String cluster, String protocol) throws Exception {
    byte[] payload = new byte[PAYLOAD_BYTES];
    new SplittableRandom(SEED).nextBytes(payload);

    // HTTP/2 ends each direction with END_STREAM, so the client's half-close crosses the tunnel
    // and the echo's answer still comes back. Over HTTP/1.1 the half-close goes up as a FIN (as
    // Envoy's own tcp_proxy sends it), but Envoy's connection manager ends an HTTP/1.1 tunnel on
    // that FIN: that client reads the whole echo, then closes.
    boolean halfClose = protocol.equals("http2");
    byte[] echoed;
    try (Socket client = connect(attachePort(listener))) {
      Future<?> sent =
          writer.submit(
              () -> {
                client.getOutputStream().write(payload);
                if (halfClose) {
                  client.shutdownOutput();
                }
                return null;
              });
      echoed =
          halfClose
              ? readToEnd(client.getInputStream())
              : client.getInputStream().readNBytes(PAYLOAD_BYTES);
      sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    assertThat(echoed).as("seed %x", SEED).hasSize(PAYLOAD_BYTES).isEqualTo(payload);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(attache.stat("cluster." + cluster + ".upstream_cx_active")).isZero());
    String tcp = "tcp." + listener + ".";
    String upstream = "cluster." + cluster + ".";
    assertThat(attache.stat(tcp + "downstream_cx_rx_bytes_total")).isEqualTo(PAYLOAD_BYTES);
    assertThat(attache.stat(tcp + "downstream_cx_tx_bytes_total")).isEqualTo(PAYLOAD_BYTES);
    assertThat(attache.stat(upstream + "upstream_cx_" + protocol + "_total")).isEqualTo(1);
    assertThat(attache.stat(upstream + "upstream_rq_total")).isEqualTo(1);
    assertThat(attache.stat(upstream + "upstream_rq_200")).isEqualTo(1);
    assertThat(terminator.stat("http.terminate.downstream_cx_" + protocol + "_total")).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).isEqualTo(1);
  }

  @Test
  void aTunnelTheUpstreamRefusesClosesTheClientAndCountsAsAFailedConnect() throws Exception {
    try (Socket client = connect(attachePort("refused"))) {
      client
          .getOutputStream()
          .write("never delivered".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      assertThat(readToEnd(client.getInputStream())).isEmpty();
    }

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(attache.stat("cluster.terminator.upstream_cx_connect_fail"))
                    .isEqualTo(1));
    assertThat(attache.stat("cluster.terminator.upstream_rq_404")).isEqualTo(1);
    assertThat(attache.stat("tcp.refused.downstream_cx_total")).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).isZero();
  }
}
