package io.attache.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawSockets;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CONNECT in the connection manager, through real sockets, differential: the same terminating
 * bootstrap (Envoy's {@code terminate_http1_connect}/{@code terminate_http2_connect}/{@code
 * terminate_http2_post} shape, pointed at a local TCP echo server) runs in Attaché and in a stock
 * Envoy, and the same clients and assertions (stats included) meet both: a raw HTTP/1.1 CONNECT
 * client, and a stock Envoy's tcp_proxy encapsulating in HTTP/1.1 CONNECT, HTTP/2 CONNECT and
 * HTTP/2 POST (Envoy's {@code encapsulate_in_*}). Then the proxying shape ({@code proxy_connect}):
 * Attaché forwards a CONNECT over HTTP/1.1 and HTTP/2 to a stock Envoy terminating it. A large
 * payload crosses both ways each time.
 */
@ExtendWith(StockEnvoyExtension.class)
class ConnectTunnelIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PAYLOAD_BYTES = 2 * 1024 * 1024;
  private static final long SEED = 0xc0ec7L;

  @TempDir Path dir;
  private Envoy envoy;
  private TcpTestServer echo;
  private final List<AutoCloseable> running = new ArrayList<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor();

  /** A running proxy, Attaché or a stock Envoy, seen the same way. */
  interface Proxy {
    int port(String listener) throws Exception;

    long stat(String name) throws Exception;
  }

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    echo = new TcpTestServer("echo", TcpTestServer.Mode.ECHO);
  }

  @AfterEach
  void stop() throws Exception {
    writer.shutdownNow();
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    echo.close();
  }

  private Proxy proxy(String which, String name, String yaml) throws Exception {
    if (which.equals("attache")) {
      ProxyHarness attache = ProxyHarness.start(yaml);
      running.add(attache::close);
      return new Proxy() {
        @Override
        public int port(String listener) {
          return attache.server().listenerAddresses().get(listener).getPort();
        }

        @Override
        public long stat(String stat) {
          return attache.stat(stat);
        }
      };
    }
    RunningEnvoy stock = envoy.start(name, yaml, dir.resolve(name));
    running.add(stock::close);
    return new Proxy() {
      @Override
      public int port(String listener) {
        return ProxyPair.listenerPort(stock, listener);
      }

      @Override
      public long stat(String stat) throws Exception {
        return stock.stat(stat);
      }
    };
  }

  /** The router filter, at the connection manager's field indentation (10 spaces). */
  private static final String ROUTER =
      "          http_filters:\n"
          + "          - name: envoy.filters.http.router\n"
          + "            typed_config:\n"
          + "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n";

  /** Terminates CONNECT (with {@code foo: bar}) and POST with allow_post, into the echo server. */
  private static String terminating(int echoPort) {
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
        """
        + ROUTER
        + """
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
        """
        + cluster("echo", "", echoPort);
  }

  /**
   * Envoy's proxy_connect: every CONNECT forwarded, as a CONNECT, to an HTTP/1.1 or HTTP/2 peer.
   */
  private static String proxying(int terminatorPort) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        """
        + proxyListener("proxy_h1", "terminator_h1")
        + proxyListener("proxy_h2", "terminator_h2")
        + "  clusters:\n"
        + cluster("terminator_h1", "http_protocol_options", terminatorPort)
        + cluster("terminator_h2", "http2_protocol_options", terminatorPort);
  }

  private static String proxyListener(String name, String cluster) {
    return """
          - name: %s
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: %s
                  upgrade_configs: [ { upgrade_type: CONNECT } ]
        """
            .formatted(name, name)
        + ROUTER
        + """
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { connect_matcher: {} }
                        route: { cluster: %s }
        """
            .formatted(cluster);
  }

  /** Envoy's encapsulate_in_*: tcp_proxy tunnelling into the terminator, with foo: bar. */
  private static String encapsulating(int terminatorPort) {
    String withHeader = "headers_to_add: [ { header: { key: foo, value: bar } } ]";
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        """
        + tunnelListener("tunnel_h1", "terminator_h1", withHeader)
        + tunnelListener("tunnel_h2", "terminator_h2", withHeader)
        + tunnelListener("post_h2", "terminator_h2", withHeader + ", use_post: true")
        + "  clusters:\n"
        + cluster("terminator_h1", "http_protocol_options", terminatorPort)
        + cluster("terminator_h2", "http2_protocol_options", terminatorPort);
  }

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

  private static String cluster(String name, String protocolOptions, int port) {
    String options =
        protocolOptions.isEmpty()
            ? ""
            : """
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config: { %s: {} }
            """
                .formatted(protocolOptions);
    return """
          - name: %s
            type: STATIC
            connect_timeout: 2s
        """
            .formatted(name)
        + options
        + """
            load_assignment:
              cluster_name: %s
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
            .formatted(name, port);
  }

  /** The response head, up to and including its blank line, read byte by byte (nothing more). */
  private static String responseHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (head.size() < 16 * 1024) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      String text = head.toString(StandardCharsets.ISO_8859_1);
      if (text.endsWith("\r\n\r\n")) {
        return text;
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] payload() {
    byte[] payload = new byte[PAYLOAD_BYTES];
    new SplittableRandom(SEED).nextBytes(payload);
    return payload;
  }

  /** A raw HTTP/1.1 CONNECT, then the payload through the tunnel and its echo back. */
  private byte[] connectAndEcho(int port, String extraHeaders, byte[] payload) throws Exception {
    try (Socket client = RawSockets.connect(port, WAIT)) {
      client
          .getOutputStream()
          .write(
              ("CONNECT echo.internal:7 HTTP/1.1\r\nhost: echo.internal:7\r\n"
                      + extraHeaders
                      + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String head = responseHead(client.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200");
      assertThat(head.toLowerCase(java.util.Locale.ROOT))
          .doesNotContain("transfer-encoding")
          .doesNotContain("content-length");
      Future<?> sent =
          writer.submit(
              () -> {
                client.getOutputStream().write(payload);
                client.getOutputStream().flush();
                return null;
              });
      byte[] echoed = client.getInputStream().readNBytes(payload.length);
      sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      return echoed;
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"attache", "envoy"})
  void aRawHttp1ConnectIsTerminatedWith200AndALargePayloadIsEchoed(String which) throws Exception {
    Proxy terminator = proxy(which, "terminate", terminating(echo.port()));
    byte[] payload = payload();

    byte[] echoed = connectAndEcho(terminator.port("terminate"), "foo: bar\r\n", payload);

    assertThat(echoed).as("%s, seed %x", which, SEED).isEqualTo(payload);
    assertThat(terminator.stat("http.terminate.downstream_cx_upgrades_total"))
        .as(which)
        .isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).as(which).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_rq_total")).as(which).isEqualTo(1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(terminator.stat("http.terminate.downstream_cx_upgrades_active"))
                    .as(which)
                    .isZero());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"attache", "envoy"})
  void aConnectNoRouteMatchesIsAnswered404AndNeverReachesTheCluster(String which) throws Exception {
    Proxy terminator = proxy(which, "terminate", terminating(echo.port()));
    try (Socket client = RawSockets.connect(terminator.port("terminate"), WAIT)) {
      client
          .getOutputStream()
          .write(
              "CONNECT echo.internal:7 HTTP/1.1\r\nhost: echo.internal:7\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(responseHead(client.getInputStream())).as(which).startsWith("HTTP/1.1 404");
    }
    assertThat(terminator.stat("http.terminate.no_route")).as(which).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).as(which).isZero();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "attache, tunnel_h1, http1",
    "attache, tunnel_h2, http2",
    "attache, post_h2, http2",
    "envoy, tunnel_h1, http1",
    "envoy, tunnel_h2, http2",
    "envoy, post_h2, http2"
  })
  void envoysEncapsulatingTcpProxyTunnelsALargePayloadThroughTheTerminator(
      String which, String listener, String protocol) throws Exception {
    Proxy terminator = proxy(which, "terminate", terminating(echo.port()));
    Proxy encapsulator = proxy("envoy", "encapsulate", encapsulating(terminator.port("terminate")));
    byte[] payload = payload();

    // HTTP/2 ends each direction with END_STREAM, so the client's half-close crosses the tunnel
    // and the echo's answer still comes back; an HTTP/1.1 tunnel ends on the client's FIN.
    boolean halfClose = protocol.equals("http2");
    byte[] echoed;
    try (Socket client = RawSockets.connect(encapsulator.port(listener), WAIT)) {
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
              ? RawSockets.readToEnd(client.getInputStream())
              : client.getInputStream().readNBytes(PAYLOAD_BYTES);
      sent.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    assertThat(echoed).as("%s, seed %x", which, SEED).hasSize(PAYLOAD_BYTES).isEqualTo(payload);
    assertThat(terminator.stat("http.terminate.downstream_cx_" + protocol + "_total"))
        .as(which)
        .isEqualTo(1);
    assertThat(terminator.stat("http.terminate.downstream_cx_upgrades_total"))
        .as(which)
        .isEqualTo(listener.startsWith("post") ? 0 : 1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).as(which).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_rq_200")).as(which).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"proxy_h1", "proxy_h2"})
  void attacheForwardsAConnectToAStockEnvoyThatTerminatesIt(String listener) throws Exception {
    Proxy terminator = proxy("envoy", "terminate", terminating(echo.port()));
    Proxy attache = proxy("attache", "proxy", proxying(terminator.port("terminate")));
    byte[] payload = payload();

    byte[] echoed = connectAndEcho(attache.port(listener), "foo: bar\r\n", payload);

    assertThat(echoed).as("%s, seed %x", listener, SEED).isEqualTo(payload);
    String cluster = listener.equals("proxy_h1") ? "terminator_h1" : "terminator_h2";
    assertThat(attache.stat("cluster." + cluster + ".upstream_rq_200")).isEqualTo(1);
    assertThat(attache.stat("http." + listener + ".downstream_cx_upgrades_total")).isEqualTo(1);
    assertThat(terminator.stat("http.terminate.downstream_cx_upgrades_total")).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).isEqualTo(1);
  }
}
