package io.attache.dataplane.tcpproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.listenerfilter.TlsClientHellos;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
  private static final int READ_TIMEOUT_MS = 30_000;

  @TempDir Path dir;
  private Envoy envoy;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void findEnvoy(Envoy envoy) {
    this.envoy = envoy;
  }

  @AfterEach
  void closeEverything() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  private List<ProxyPair.Side> both(String bootstrapYaml) throws Exception {
    ProxyPair pair = ProxyPair.start(envoy, "l4-" + closeAfter.size(), bootstrapYaml, dir);
    closeAfter.add(pair);
    return pair.both();
  }

  private static String bootstrap(String listenersYaml, String clustersYaml) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        %s
          clusters:
        %s
        """
        .formatted(indent(listenersYaml, 2), indent(clustersYaml, 2));
  }

  private static String tcpProxy(String statPrefix, String cluster, String extra) {
    return """
        - name: envoy.filters.network.tcp_proxy
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
            stat_prefix: %s
            cluster: %s
        %s"""
        .formatted(statPrefix, cluster, indent(extra, 4));
  }

  /** A filter chain list item: its match (YAML flow map) and its filters. */
  private static String chain(String match, String filtersYaml) {
    return "- filter_chain_match: " + match + "\n  filters:\n" + indent(filtersYaml, 2);
  }

  private static String cluster(String name, int port) {
    return """
        - name: %s
          type: STATIC
          connect_timeout: 2s
          load_assignment:
            cluster_name: %s
            endpoints:
            - lb_endpoints:
              - endpoint:
                  address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
        .formatted(name, name, port);
  }

  private static String indent(String text, int spaces) {
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(READ_TIMEOUT_MS);
    s.setTcpNoDelay(true);
    return s;
  }

  /** Reads exactly {@code n} bytes, or fewer if the stream ends first. */
  private static String readN(InputStream in, int n) throws IOException {
    byte[] buf = in.readNBytes(n);
    return new String(buf, StandardCharsets.US_ASCII);
  }

  /** Reads to end of stream; a reset after the peer's close counts as the end. */
  private static String readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // closed by the proxy with data unread: still the end of this connection
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private <T extends AutoCloseable> T closing(T resource) {
    closeAfter.add(resource);
    return resource;
  }

  @Test
  void plainTcpEchoesThroughTcpProxyUntilTheIdleTimeoutClosesIt() throws Exception {
    TcpTestServer echo = closing(new TcpTestServer("echo", TcpTestServer.Mode.ECHO));
    String yaml =
        bootstrap(
            """
            - name: echo
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              filter_chains:
              - filters:
            """
                + indent(tcpProxy("echo", "echo", "idle_timeout: 1s"), 4),
            cluster("echo", echo.port()));

    for (ProxyPair.Side proxy : both(yaml)) {
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
    TcpTestServer a = closing(new TcpTestServer("a", TcpTestServer.Mode.NAME));
    TcpTestServer b = closing(new TcpTestServer("b", TcpTestServer.Mode.NAME));
    String yaml =
        bootstrap(
            """
            - name: sni
              stat_prefix: sni
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              listener_filters:
              - name: envoy.filters.listener.tls_inspector
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
              filter_chains:
            """
                + indent(
                    chain("{ server_names: [\"a.example.com\"] }", tcpProxy("sni_a", "a", "")), 2)
                + indent(
                    chain("{ server_names: [\"*.b.example.com\"] }", tcpProxy("sni_b", "b", "")),
                    2),
            cluster("a", a.port()) + cluster("b", b.port()));
    byte[] helloA = TlsClientHellos.clientHello("a.example.com", "h2");
    byte[] helloB = TlsClientHellos.clientHello("api.b.example.com");
    byte[] helloC = TlsClientHellos.clientHello("c.example.com");

    int seen = 0;
    for (ProxyPair.Side proxy : both(yaml)) {
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
    TcpTestServer upstream = closing(new TcpTestServer("u", TcpTestServer.Mode.REPLY_AFTER_FIN));
    String yaml =
        bootstrap(
            """
            - name: half
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              filter_chains:
              - filters:
            """
                + indent(tcpProxy("half", "u", ""), 4),
            cluster("u", upstream.port()));

    for (ProxyPair.Side proxy : both(yaml)) {
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
        bootstrap(
            """
            - name: dead
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              filter_chains:
              - filters:
            """
                + indent(tcpProxy("dead", "dead", "max_connect_attempts: 2"), 4),
            cluster("dead", deadPort));

    for (ProxyPair.Side proxy : both(yaml)) {
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

  @Test
  void aClusterWithATlsTransportSocketGetsTheClientsBytesOverTlsAsInEnvoysDoubleProxy()
      throws Exception {
    TestPki.Ca ca = TestPki.newCa("l4-upstream-ca");
    TestPki.Issued server = ca.issue("upstream.example", List.of(), List.of("upstream.example"));
    TestHttpServer secure =
        closing(
            TestHttpServer.https(
                SslContextBuilder.forServer(server.key(), server.certificate())
                    .sslProvider(SslProvider.JDK)
                    .build(),
                false,
                TestHttpServer.echo("secure")));
    Path caFile = dir.resolve("l4-upstream-ca.pem");
    Files.writeString(caFile, ca.pem());
    String yaml =
        bootstrap(
            """
            - name: originate
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              filter_chains:
              - filters:
            """
                + indent(tcpProxy("originate", "secure", ""), 4),
            cluster("secure", secure.port())
                + """
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                      sni: upstream.example
                      common_tls_context:
                        validation_context:
                          trusted_ca: { filename: "%s" }
                          match_typed_subject_alt_names:
                          - san_type: DNS
                            matcher: { exact: upstream.example }
                """
                    .formatted(caFile));

    for (ProxyPair.Side proxy : both(yaml)) {
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
    TestPki.Ca trusted = TestPki.newCa("l4-trusted-ca");
    TestPki.Ca other = TestPki.newCa("l4-other-ca");
    TestPki.Issued server = other.issue("upstream.example", List.of(), List.of("upstream.example"));
    TestHttpServer secure =
        closing(
            TestHttpServer.https(
                SslContextBuilder.forServer(server.key(), server.certificate())
                    .sslProvider(SslProvider.JDK)
                    .build(),
                false,
                TestHttpServer.echo("secure")));
    Path caFile = dir.resolve("l4-trusted-ca.pem");
    Files.writeString(caFile, trusted.pem());
    String yaml =
        bootstrap(
            """
            - name: originate
              address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
              filter_chains:
              - filters:
            """
                + indent(tcpProxy("originate", "secure", ""), 4),
            cluster("secure", secure.port())
                + """
                  transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                      sni: upstream.example
                      common_tls_context:
                        validation_context:
                          trusted_ca: { filename: "%s" }
                """
                    .formatted(caFile));

    for (ProxyPair.Side proxy : both(yaml)) {
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
