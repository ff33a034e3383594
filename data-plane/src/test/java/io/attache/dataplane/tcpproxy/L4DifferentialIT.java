package io.attache.dataplane.tcpproxy;

import static io.attache.dataplane.testing.L4Bootstrap.chain;
import static io.attache.dataplane.testing.L4Bootstrap.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.listenerfilter.TlsClientHellos;
import io.attache.dataplane.testing.DifferentialRun;
import io.attache.dataplane.testing.L4Bootstrap;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawSockets;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same L4 bootstraps run by Attaché and by a stock Envoy, over real sockets, with the same
 * assertions on both, stats included (Envoy's names): plain TCP echo through {@code tcp_proxy} and
 * its {@code idle_timeout}; two filter chains chosen by SNI that {@code tls_inspector} read from a
 * real ClientHello, passed through untouched; a half-close in each direction; a connect failure;
 * TLS originated to a cluster with a TLS transport socket, and a certificate it refuses.
 */
@ExtendWith(StockEnvoyExtension.class)
class L4DifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private DifferentialRun run;

  @BeforeEach
  void start(Envoy envoy) {
    run = new DifferentialRun(envoy, "l4", dir);
  }

  @AfterEach
  void closeEverything() throws Exception {
    run.close();
  }

  /** Reads exactly {@code n} bytes, or fewer if the stream ends first. */
  private static String readN(InputStream in, int n) throws IOException {
    return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
  }

  private static String readToEnd(InputStream in) throws IOException {
    return new String(RawSockets.readToEnd(in), StandardCharsets.US_ASCII);
  }

  private static Socket connect(int port) throws IOException {
    return RawSockets.connect(port, WAIT);
  }

  @Test
  void plainTcpEchoesThroughTcpProxyUntilTheIdleTimeoutClosesIt() throws Exception {
    TcpTestServer echo = run.closing(new TcpTestServer("echo", TcpTestServer.Mode.ECHO));
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener(
                "echo", "127.0.0.1", "", chain("", tcpProxy("echo", "echo", "idle_timeout: 1s"))),
            ProxyHarness.staticCluster("echo", "", echo.port()));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket client = connect(proxy.port("echo"))) {
        client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(readN(client.getInputStream(), 5)).as(proxy.name()).isEqualTo("hello");

        // Then nothing either way: the idle timeout ends the connection (read sees the end).
        assertThat(readToEnd(client.getInputStream())).as(proxy.name()).isEmpty();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(proxy.stat("tcp.echo.idle_timeout")).as(proxy.name()).isEqualTo(1));
      assertThat(proxy.stat("tcp.echo.downstream_cx_total")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("tcp.echo.downstream_cx_rx_bytes_total")).as(proxy.name()).isEqualTo(5);
      assertThat(proxy.stat("cluster.echo.upstream_cx_total")).as(proxy.name()).isEqualTo(1);
    }
  }

  @Test
  void tlsInspectorSniPicksOneOfTwoFilterChainsAndTheClientHelloPassesThroughUntouched()
      throws Exception {
    TcpTestServer a = run.closing(new TcpTestServer("a", TcpTestServer.Mode.NAME));
    TcpTestServer b = run.closing(new TcpTestServer("b", TcpTestServer.Mode.NAME));
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener(
                "sni",
                "127.0.0.1",
                "stat_prefix: sni\n" + L4Bootstrap.TLS_INSPECTOR,
                chain(
                        "filter_chain_match: { server_names: [\"a.example.com\"] }",
                        tcpProxy("sni_a", "a", ""))
                    + chain(
                        "filter_chain_match: { server_names: [\"*.b.example.com\"] }",
                        tcpProxy("sni_b", "b", ""))),
            ProxyHarness.staticCluster("a", "", a.port())
                + ProxyHarness.staticCluster("b", "", b.port()));
    byte[] helloA = TlsClientHellos.clientHello("a.example.com", "h2");
    byte[] helloB = TlsClientHellos.clientHello("api.b.example.com");
    byte[] helloC = TlsClientHellos.clientHello("c.example.com");

    int seen = 0;
    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket toA = connect(proxy.port("sni"));
          Socket toB = connect(proxy.port("sni"));
          Socket toNowhere = connect(proxy.port("sni"))) {
        toA.getOutputStream().write(helloA);
        toB.getOutputStream().write(helloB);
        toNowhere.getOutputStream().write(helloC);

        assertThat(readN(toA.getInputStream(), 1)).as(proxy.name()).isEqualTo("a");
        assertThat(readN(toB.getInputStream(), 1)).as(proxy.name()).isEqualTo("b");
        assertThat(readToEnd(toNowhere.getInputStream())).as(proxy.name()).isEmpty();
      }
      seen++;
      assertThat(a.firstChunks()).as(proxy.name()).hasSize(seen);
      assertThat(helloA).as(proxy.name()).startsWith(a.firstChunks().get(seen - 1));
      assertThat(helloB).as(proxy.name()).startsWith(b.firstChunks().get(seen - 1));
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("listener.sni.no_filter_chain_match"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertThat(proxy.stat("tls_inspector.sni_found")).as(proxy.name()).isEqualTo(3);
    }
  }

  @Test
  void aHalfCloseFromTheClientReachesTheUpstreamAndItsAnswerStillComesBack() throws Exception {
    TcpTestServer upstream =
        run.closing(new TcpTestServer("u", TcpTestServer.Mode.REPLY_AFTER_FIN));
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener("half", "127.0.0.1", "", chain("", tcpProxy("half", "u", ""))),
            ProxyHarness.staticCluster("u", "", upstream.port()));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket client = connect(proxy.port("half"))) {
        client.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();

        // The upstream answers only after it saw our FIN; then it closes, and so do we see.
        assertThat(readToEnd(client.getInputStream())).as(proxy.name()).isEqualTo("got:abc");
      }
    }
  }

  @Test
  void aConnectFailureClosesTheClientConnection() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed again: nothing listens there
    }
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener(
                "dead",
                "127.0.0.1",
                "",
                chain("", tcpProxy("dead", "dead", "max_connect_attempts: 2"))),
            ProxyHarness.staticCluster("dead", "", deadPort));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket client = connect(proxy.port("dead"))) {
        client.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
        assertThat(readToEnd(client.getInputStream())).as(proxy.name()).isEmpty();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("cluster.dead.upstream_cx_connect_fail"))
                      .as(proxy.name())
                      .isEqualTo(2));
      assertThat(proxy.stat("cluster.dead.upstream_cx_connect_attempts_exceeded"))
          .as(proxy.name())
          .isEqualTo(1);
    }
  }

  /**
   * A TLS upstream whose certificate {@code issuer} signs for {@code upstream.example}, and a
   * listener whose tcp_proxy sends to it as cluster {@code secure}, a TLS cluster trusting {@code
   * trusted} (and, with {@code checkSan}, matching the SAN).
   */
  private String tlsOriginatingBootstrap(TestPki.Ca issuer, TestPki.Ca trusted, boolean checkSan)
      throws Exception {
    TestPki.Issued server =
        issuer.issue("upstream.example", List.of(), List.of("upstream.example"));
    TestHttpServer secure =
        run.closing(
            TestHttpServer.https(
                SslContextBuilder.forServer(server.key(), server.certificate())
                    .sslProvider(SslProvider.JDK)
                    .build(),
                false,
                TestHttpServer.echo("secure")));
    Path caFile = Files.createTempFile(dir, "trusted-ca", ".pem");
    Files.writeString(caFile, trusted.pem());
    String san =
        checkSan
            ? """
                      match_typed_subject_alt_names:
                      - san_type: DNS
                        matcher: { exact: upstream.example }
              """
            : "";
    return L4Bootstrap.of(
        L4Bootstrap.listener(
            "originate", "127.0.0.1", "", chain("", tcpProxy("originate", "secure", ""))),
        ProxyHarness.staticCluster(
            "secure",
            """
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: upstream.example
                common_tls_context:
                  validation_context:
                    trusted_ca: { filename: "%s" }
            """
                    .formatted(caFile)
                + san,
            secure.port()));
  }

  @Test
  void aClusterWithATlsTransportSocketGetsTheClientsBytesOverTlsAsInEnvoysDoubleProxy()
      throws Exception {
    TestPki.Ca ca = TestPki.newCa("l4-upstream-ca");
    String yaml = tlsOriginatingBootstrap(ca, ca, true);

    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket client = connect(proxy.port("originate"))) {
        client
            .getOutputStream()
            .write(
                "GET /through-tls HTTP/1.1\r\nhost: upstream.example\r\nconnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        assertThat(readToEnd(client.getInputStream()))
            .as(proxy.name())
            .startsWith("HTTP/1.1 200")
            .contains("x-upstream: secure")
            .endsWith("GET /through-tls");
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("cluster.secure.ssl.handshake"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertThat(proxy.stat("cluster.secure.upstream_cx_total")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("cluster.secure.upstream_cx_connect_fail")).as(proxy.name()).isZero();
    }
  }

  @Test
  void anUpstreamWhoseCertificateTheClusterRefusesIsAFailedConnect() throws Exception {
    String yaml =
        tlsOriginatingBootstrap(
            TestPki.newCa("l4-other-ca"), TestPki.newCa("l4-trusted-ca"), false);

    for (ProxyPair.Side proxy : run.both(yaml)) {
      try (Socket client = connect(proxy.port("originate"))) {
        client.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
        assertThat(readToEnd(client.getInputStream())).as(proxy.name()).isEmpty();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("cluster.secure.upstream_cx_connect_fail"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertThat(proxy.stat("cluster.secure.ssl.fail_verify_error")).as(proxy.name()).isEqualTo(1);
    }
  }
}
