package io.attache.dataplane.tcpproxy;

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
 * TCP tunnelled over HTTP, through real sockets: a TCP client → the encapsulating proxy's tcp_proxy
 * with {@code tunneling_config} → a stock Envoy terminating the tunnel ({@code connect_config} on a
 * {@code connect_matcher} route, or {@code allow_post} on a POST route, each also matching the
 * tunnel's added header) → a TCP echo server; as HTTP/1.1 CONNECT, HTTP/2 CONNECT and HTTP/2 POST.
 * The encapsulating bootstrap runs in Attaché and in a stock Envoy, with the same assertions (stats
 * included) on both. A large payload crosses both ways until the client ends it; a tunnel Envoy
 * refuses (404: no route without the header) closes the client's connection and uses up the connect
 * attempts.
 */
@ExtendWith(StockEnvoyExtension.class)
class TcpTunnelIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PAYLOAD_BYTES = 4 * 1024 * 1024;
  private static final long SEED = 0x7e55e1L;

  @TempDir Path dir;
  private DifferentialRun run;
  private TcpTestServer echo;
  private ProxyPair.Side terminator;
  private int terminatorPort;
  private final ExecutorService writer = Executors.newSingleThreadExecutor();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    run = new DifferentialRun(envoy, "tunnel", dir);
    echo = run.closing(new TcpTestServer("echo", TcpTestServer.Mode.ECHO));
    terminator = run.envoy(TunnelBootstraps.terminating(echo.port()));
    terminatorPort = terminator.port("terminate");
  }

  @AfterEach
  void stop() throws Exception {
    writer.shutdownNow();
    run.close();
  }

  private static String encapsulatingBootstrap(int terminatorPort) {
    String withHeader = "headers_to_add: [ { header: { key: foo, value: bar } } ]";
    return L4Bootstrap.of(
        tunnelListener("tunnel_h1", "terminator_h1", withHeader)
            + tunnelListener("tunnel_h2", "terminator_h2", withHeader)
            + tunnelListener("post_h2", "terminator_h2_post", withHeader + ", use_post: true")
            + tunnelListener("refused", "terminator", "use_post: false"),
        httpCluster("terminator", "http_protocol_options", terminatorPort)
            + httpCluster("terminator_h1", "http_protocol_options", terminatorPort)
            + httpCluster("terminator_h2", "http2_protocol_options", terminatorPort)
            + httpCluster("terminator_h2_post", "http2_protocol_options", terminatorPort));
  }

  @ParameterizedTest(name = "{0}: {1} to {2} ({3})")
  @CsvSource({
    "attache, tunnel_h1, terminator_h1, http1",
    "attache, tunnel_h2, terminator_h2, http2",
    "attache, post_h2, terminator_h2_post, http2",
    "envoy, tunnel_h1, terminator_h1, http1",
    "envoy, tunnel_h2, terminator_h2, http2",
    "envoy, post_h2, terminator_h2_post, http2"
  })
  void aLargePayloadCrossesTheTunnelBothWaysUntilTheClientEndsIt(
      String which, String listener, String cluster, String protocol) throws Exception {
    ProxyPair.Side proxy = run.start(which, encapsulatingBootstrap(terminatorPort));
    byte[] payload = new byte[PAYLOAD_BYTES];
    new SplittableRandom(SEED).nextBytes(payload);

    // HTTP/2 ends each direction with END_STREAM, so the client's half-close crosses the tunnel
    // and the echo's answer still comes back. Over HTTP/1.1 the half-close goes up as a FIN (as
    // Envoy's own tcp_proxy sends it), but Envoy's connection manager ends an HTTP/1.1 tunnel on
    // that FIN: that client reads the whole echo, then closes.
    boolean halfClose = protocol.equals("http2");
    byte[] echoed;
    try (Socket client = RawSockets.connect(proxy.port(listener), WAIT)) {
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
    String tcp = "tcp." + listener + ".";
    String upstream = "cluster." + cluster + ".";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(proxy.stat(tcp + "downstream_cx_tx_bytes_total"))
                    .as(which)
                    .isEqualTo(PAYLOAD_BYTES));
    assertThat(proxy.stat(tcp + "downstream_cx_rx_bytes_total")).as(which).isEqualTo(PAYLOAD_BYTES);
    assertThat(proxy.stat(upstream + "upstream_cx_" + protocol + "_total")).as(which).isEqualTo(1);
    assertThat(proxy.stat(upstream + "upstream_rq_total")).as(which).isEqualTo(1);
    assertThat(proxy.stat(upstream + "upstream_rq_pending_total")).as(which).isEqualTo(1);
    assertThat(proxy.stat(upstream + "upstream_rq_200")).as(which).isZero();
    assertThat(terminator.stat("http.terminate.downstream_cx_" + protocol + "_total")).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"attache", "envoy"})
  void aTunnelTheUpstreamRefusesClosesTheClientAndUsesUpTheConnectAttempts(String which)
      throws Exception {
    ProxyPair.Side proxy = run.start(which, encapsulatingBootstrap(terminatorPort));
    try (Socket client = RawSockets.connect(proxy.port("refused"), WAIT)) {
      client.getOutputStream().write("never delivered".getBytes(StandardCharsets.US_ASCII));
      assertThat(RawSockets.readToEnd(client.getInputStream())).as(which).isEmpty();
    }

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(proxy.stat("cluster.terminator.upstream_cx_connect_attempts_exceeded"))
                    .as(which)
                    .isEqualTo(1));
    assertThat(proxy.stat("cluster.terminator.upstream_cx_connect_fail")).as(which).isZero();
    assertThat(proxy.stat("cluster.terminator.upstream_rq_404")).as(which).isZero();
    assertThat(proxy.stat("tcp.refused.downstream_cx_total")).as(which).isEqualTo(1);
    assertThat(terminator.stat("cluster.echo.upstream_cx_total")).isZero();
  }
}
