package io.attache.dataplane.listenerfilter;

import static io.attache.dataplane.testing.L4Bootstrap.chain;
import static io.attache.dataplane.testing.L4Bootstrap.indent;
import static io.attache.dataplane.testing.L4Bootstrap.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.DifferentialRun;
import io.attache.dataplane.testing.L4Bootstrap;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TcpTestServer;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code proxy_protocol} listener filter run by Attaché and by a stock Envoy on the same
 * bootstrap, over real sockets, with the same assertions on both: Envoy's listener_vip example
 * pointed at local upstreams (a PROXY header's destination picks the chain by DestinationIPInput
 * and is where the ORIGINAL_DST cluster connects), the header's source as the client address an
 * HTTP upstream sees in {@code x-forwarded-for} (v1 and v2), and a malformed header closing the
 * connection with Envoy 1.40's counters.
 */
@ExtendWith(StockEnvoyExtension.class)
class ProxyProtocolDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final String PROXY_PROTOCOL =
      """
      listener_filters:
      - name: envoy.filters.listener.proxy_protocol
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
      """;

  @TempDir Path dir;
  private DifferentialRun run;

  @BeforeEach
  void start(Envoy envoy) {
    run = new DifferentialRun(envoy, "pp", dir);
  }

  @AfterEach
  void closeEverything() throws Exception {
    run.close();
  }

  /** Sends {@code first}, reads until a byte arrived or the connection ended. */
  private static String exchange(int port, byte[] first) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(READ_TIMEOUT_MS);
      s.getOutputStream().write(first);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        int n = in.read(buf);
        if (n > 0) {
          out.write(buf, 0, n);
        }
      } catch (SocketException reset) {
        // closed by the proxy with our bytes unread: the connection ended
      }
      return out.toString(StandardCharsets.US_ASCII);
    }
  }

  /** Sends one HTTP/1.1 request behind {@code header}, reads the whole response. */
  private static String request(int port, byte[] header) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(READ_TIMEOUT_MS);
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(header);
      req.writeBytes(
          "GET /who HTTP/1.1\r\nhost: pp\r\nconnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().write(req.toByteArray());
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A v2 PROXY TCP4 header from {@code src}:{@code sport} to 127.0.0.1:{@code dport}. */
  private static byte[] v2(byte[] src, int sport, int dport) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54});
    out.writeBytes(new byte[] {0x0A, 0x21, 0x11, 0x00, 12});
    out.writeBytes(src);
    out.writeBytes(new byte[] {127, 0, 0, 1});
    out.write(sport >> 8);
    out.write(sport & 0xFF);
    out.write(dport >> 8);
    out.write(dport & 0xFF);
    return out.toByteArray();
  }

  @Test
  void listenerVipsShapeSendsAHeaderToItsDestinationThroughTheOriginalDstCluster()
      throws Exception {
    TcpTestServer vipUpstream = run.closing(new TcpTestServer("vip", TcpTestServer.Mode.NAME));
    TcpTestServer defaultUpstream = run.closing(new TcpTestServer("dflt", TcpTestServer.Mode.NAME));
    String matcher =
        """
        matcher_tree:
          input:
            name: destination_ip
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput
          prefix_match_map:
            map:
              "127.0.0.":
                action:
                  name: vip
                  typed_config:
                    "@type": type.googleapis.com/google.protobuf.StringValue
                    value: vip
        on_no_match:
          action:
            name: default
            typed_config:
              "@type": type.googleapis.com/google.protobuf.StringValue
              value: default
        """;
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener(
                "outbound",
                "127.0.0.1",
                PROXY_PROTOCOL + "filter_chain_matcher:\n" + indent(matcher, 2),
                chain("name: vip", tcpProxy("vip", "original_dst", ""))
                    + chain("name: default", tcpProxy("default", "default", ""))),
            """
            - name: original_dst
              type: ORIGINAL_DST
              lb_policy: CLUSTER_PROVIDED
              connect_timeout: 2s
            """
                + ProxyHarness.staticCluster("default", "", defaultUpstream.port()));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      int port = proxy.port("outbound");
      String toVip = "PROXY TCP4 192.0.2.9 127.0.0.1 5555 " + vipUpstream.port() + "\r\nx";
      assertThat(exchange(port, ascii(toVip))).as(proxy.name()).isEqualTo("vip");
      String elsewhere = "PROXY TCP4 192.0.2.9 198.51.100.1 5555 80\r\nx";
      assertThat(exchange(port, ascii(elsewhere))).as(proxy.name()).isEqualTo("dflt");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("proxy_proto.versions.v1.found"))
                      .as(proxy.name())
                      .isEqualTo(2));
      assertThat(proxy.stat("tcp.vip.downstream_cx_total")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("tcp.default.downstream_cx_total")).as(proxy.name()).isEqualTo(1);
    }
    // The header's payload reached each upstream, the header itself did not.
    assertThat(
            vipUpstream.firstChunks().stream()
                .map(chunk -> new String(chunk, StandardCharsets.US_ASCII))
                .toList())
        .containsOnly("x");
  }

  @Test
  void theHeadersSourceIsTheClientAddressAnHttpUpstreamSeesForV1AndV2() throws Exception {
    TestHttpServer upstream =
        run.closing(
            TestHttpServer.http1(
                r -> TestHttpServer.Reply.ok("xff=" + r.headers().get("x-forwarded-for") + ";")));
    String connectionManager =
        """
        - name: envoy.filters.network.http_connection_manager
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            stat_prefix: pp
            use_remote_address: true
            route_config:
              virtual_hosts:
              - name: all
                domains: ["*"]
                routes:
                - match: { prefix: "/" }
                  route: { cluster: upstream }
            http_filters:
            - name: envoy.filters.http.router
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener("http", "127.0.0.1", PROXY_PROTOCOL, chain("", connectionManager)),
            ProxyHarness.staticCluster("upstream", "", upstream.port()));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      int port = proxy.port("http");
      assertThat(request(port, ascii("PROXY TCP4 203.0.113.5 127.0.0.1 4444 80\r\n")))
          .as(proxy.name())
          .startsWith("HTTP/1.1 200")
          .contains("xff=203.0.113.5;");
      assertThat(request(port, v2(new byte[] {(byte) 198, 51, 100, 7}, 4444, 80)))
          .as(proxy.name())
          .startsWith("HTTP/1.1 200")
          .contains("xff=198.51.100.7;");
      assertThat(proxy.stat("proxy_proto.versions.v1.found")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("proxy_proto.versions.v2.found")).as(proxy.name()).isEqualTo(1);
    }
  }

  @Test
  void aMalformedHeaderClosesTheConnectionAndCountsAsEnvoyDoes() throws Exception {
    TcpTestServer upstream = run.closing(new TcpTestServer("u", TcpTestServer.Mode.NAME));
    String yaml =
        L4Bootstrap.of(
            L4Bootstrap.listener(
                "strict", "127.0.0.1", PROXY_PROTOCOL, chain("", tcpProxy("strict", "u", ""))),
            ProxyHarness.staticCluster("u", "", upstream.port()));

    for (ProxyPair.Side proxy : run.both(yaml)) {
      int port = proxy.port("strict");
      assertThat(exchange(port, ascii("GARBAGE\r\n"))).as(proxy.name()).isEmpty();
      assertThat(exchange(port, ascii("X".repeat(120)))).as(proxy.name()).isEmpty();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.statsThatMoved("proxy_proto"))
                      .as(proxy.name())
                      .containsOnlyKeys(
                          "proxy_proto.versions.v1.error", "proxy_proto.not_found_disallowed"));
      assertThat(proxy.stat("downstream_cx_proxy_proto_error")).as(proxy.name()).isEqualTo(2);
      assertThat(proxy.stat("tcp.strict.downstream_cx_total")).as(proxy.name()).isZero();
    }
    assertThat(upstream.firstChunks()).isEmpty();
  }
}
