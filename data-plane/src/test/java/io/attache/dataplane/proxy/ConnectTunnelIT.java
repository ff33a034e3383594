package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.TunnelBootstraps.httpCluster;
import static io.attache.dataplane.testing.TunnelBootstraps.tunnelListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.DifferentialRun;
import io.attache.dataplane.testing.L4Bootstrap;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawSockets;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.dataplane.testing.TunnelBootstraps;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
  private DifferentialRun run;
  private TcpTestServer echo;
  private final ExecutorService writer = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    run = new DifferentialRun(envoy, "connect", dir);
    echo = run.closing(new TcpTestServer("echo", TcpTestServer.Mode.ECHO));
  }

  @AfterEach
  void stop() throws Exception {
    writer.shutdownNow();
    run.close();
  }

  /**
   * Envoy's proxy_connect: every CONNECT forwarded, as a CONNECT, to an HTTP/1.1 or HTTP/2 peer.
   */
  private static String proxying(int terminatorPort) {
    return L4Bootstrap.of(
        proxyListener("proxy_h1", "terminator_h1") + proxyListener("proxy_h2", "terminator_h2"),
        httpCluster("terminator_h1", "http_protocol_options", terminatorPort)
            + httpCluster("terminator_h2", "http2_protocol_options", terminatorPort));
  }

  private static String proxyListener(String name, String cluster) {
    return TunnelBootstraps.connectListener(
        name, "", "- match: { connect_matcher: {} }\n  route: { cluster: " + cluster + " }\n");
  }

  /** Envoy's encapsulate_in_*: tcp_proxy tunnelling into the terminator, with foo: bar. */
  private static String encapsulating(int terminatorPort) {
    String withHeader = "headers_to_add: [ { header: { key: foo, value: bar } } ]";
    return L4Bootstrap.of(
        tunnelListener("tunnel_h1", "terminator_h1", withHeader)
            + tunnelListener("tunnel_h2", "terminator_h2", withHeader)
            + tunnelListener("post_h2", "terminator_h2", withHeader + ", use_post: true"),
        httpCluster("terminator_h1", "http_protocol_options", terminatorPort)
            + httpCluster("terminator_h2", "http2_protocol_options", terminatorPort));
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
    ProxyPair.Side terminator = run.start(which, TunnelBootstraps.terminating(echo.port()));
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
    ProxyPair.Side terminator = run.start(which, TunnelBootstraps.terminating(echo.port()));
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
    ProxyPair.Side terminator = run.start(which, TunnelBootstraps.terminating(echo.port()));
    ProxyPair.Side encapsulator = run.start("envoy", encapsulating(terminator.port("terminate")));
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
    ProxyPair.Side terminator = run.start("envoy", TunnelBootstraps.terminating(echo.port()));
    ProxyPair.Side attache = run.start("attache", proxying(terminator.port("terminate")));
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
