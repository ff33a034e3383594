package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.ArrayList;
import java.util.List;
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
    ProxyPair pair = ProxyPair.start(envoy, "pp-" + closeAfter.size(), bootstrapYaml, dir);
    closeAfter.add(pair);
    return pair.both();
  }

  private <T extends AutoCloseable> T closing(T resource) {
    closeAfter.add(resource);
    return resource;
  }

  private static String indent(String text, int spaces) {
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  private static String staticCluster(String name, int port) {
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
    TcpTestServer vipUpstream = closing(new TcpTestServer("vip", TcpTestServer.Mode.NAME));
    TcpTestServer defaultUpstream = closing(new TcpTestServer("dflt", TcpTestServer.Mode.NAME));
    String yaml =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: outbound
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        %s
            filter_chains:
            - name: vip
              filters:
              - name: tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: vip
                  cluster: original_dst
            - name: default
              filters:
              - name: tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: default
                  cluster: default
            filter_chain_matcher:
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
          clusters:
          - name: original_dst
            type: ORIGINAL_DST
            lb_policy: CLUSTER_PROVIDED
            connect_timeout: 2s
        %s
        """
            .formatted(
                indent(PROXY_PROTOCOL, 4),
                indent(staticCluster("default", defaultUpstream.port()), 2));

    for (ProxyPair.Side proxy : both(yaml)) {
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
        closing(
            TestHttpServer.http1(
                r -> TestHttpServer.Reply.ok("xff=" + r.headers().get("x-forwarded-for") + ";")));
    String yaml =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: http
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        %s
            filter_chains:
            - filters:
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
          clusters:
        %s
        """
            .formatted(
                indent(PROXY_PROTOCOL, 4), indent(staticCluster("upstream", upstream.port()), 2));

    for (ProxyPair.Side proxy : both(yaml)) {
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
    TcpTestServer upstream = closing(new TcpTestServer("u", TcpTestServer.Mode.NAME));
    String yaml =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: strict
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        %s
            filter_chains:
            - filters:
              - name: tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: strict
                  cluster: u
          clusters:
        %s
        """
            .formatted(indent(PROXY_PROTOCOL, 4), indent(staticCluster("u", upstream.port()), 2));

    for (ProxyPair.Side proxy : both(yaml)) {
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
