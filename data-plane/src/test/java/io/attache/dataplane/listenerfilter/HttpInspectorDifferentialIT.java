package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TcpTestServer;
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
 * The {@code http_inspector} listener filter run by Attaché and by a stock Envoy on the same
 * bootstrap, over real sockets: the application protocol it detects ({@code http/1.0}, {@code
 * http/1.1}, {@code h2c}, or none) chooses the filter chain, through the classic {@code
 * filter_chain_match.application_protocols} and through a {@code filter_chain_matcher} on {@code
 * ApplicationProtocolInput} (whose value is Envoy's quoted list, {@code 'h2c'}); a TLS client hello
 * is left to tls_inspector, as Envoy's http_inspector skips a connection whose transport protocol
 * is already known. Each chain is a tcp_proxy to an upstream that answers its name; both proxies
 * must pick the same chain and count the same {@code http_inspector.*} stats.
 */
@ExtendWith(StockEnvoyExtension.class)
class HttpInspectorDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final byte[] HTTP11 = ascii("GET / HTTP/1.1\r\nhost: a\r\n\r\n");
  private static final byte[] HTTP10 = ascii("GET / HTTP/1.0\r\n\r\n");
  private static final byte[] H2C_PREFACE = ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  private static final byte[] NOT_HTTP = ascii("hello there, not http\r\n\r\n");

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
    ProxyPair pair =
        ProxyPair.start(envoy, "http-inspector-" + closeAfter.size(), bootstrapYaml, dir);
    closeAfter.add(pair);
    return pair.both();
  }

  private TcpTestServer upstream(String name) throws IOException {
    TcpTestServer server = new TcpTestServer(name, TcpTestServer.Mode.NAME);
    closeAfter.add(server);
    return server;
  }

  private static String tcpProxy(String name) {
    // Indented to sit under a chain item of the listener's filter_chains.
    return """
              filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: %s
                  cluster: %s
        """
        .formatted(name, name);
  }

  private static String clusters(List<TcpTestServer> upstreams) {
    StringBuilder out = new StringBuilder();
    for (TcpTestServer upstream : upstreams) {
      out.append(
          """
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
              .formatted(upstream.name(), upstream.name(), upstream.port()));
    }
    return out.toString();
  }

  private static String bootstrap(String listenerFilters, String chains, String clusters) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: inspect
            stat_prefix: inspect
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            listener_filters:
        %s
        %s
          clusters:
        %s
        """
        .formatted(listenerFilters, chains, clusters);
  }

  private static String listenerFilter(String name, String type) {
    return """
            - name: envoy.filters.listener.%s
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.%s.v3.%s
        """
        .formatted(name, name, type);
  }

  private static String exchange(int port, byte[] first) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(READ_TIMEOUT_MS);
      s.setTcpNoDelay(true);
      s.getOutputStream().write(first);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[256];
      try {
        // The upstream answers its name and keeps the connection: read until a byte arrived or
        // the proxy closed the connection.
        for (int n = in.read(buf); n >= 0; n = out.size() > 0 ? -1 : in.read(buf)) {
          out.write(buf, 0, n);
        }
      } catch (SocketException reset) {
        // closed by the proxy with our bytes unread: the connection ended
      }
      return out.toString(StandardCharsets.US_ASCII);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static void assertInspectorStats(ProxyPair.Side proxy, long http10, long http11, long h2)
      throws Exception {
    assertThat(proxy.stat("http_inspector.http10_found")).as(proxy.name()).isEqualTo(http10);
    assertThat(proxy.stat("http_inspector.http11_found")).as(proxy.name()).isEqualTo(http11);
    assertThat(proxy.stat("http_inspector.http2_found")).as(proxy.name()).isEqualTo(h2);
  }

  @Test
  void theDetectedProtocolChoosesTheChainByFilterChainMatchApplicationProtocols() throws Exception {
    List<TcpTestServer> upstreams =
        List.of(upstream("http1"), upstream("h2c"), upstream("tls"), upstream("other"));
    String chains =
        """
            filter_chains:
            - filter_chain_match: { application_protocols: [ "http/1.0", "http/1.1" ] }
        %s
            - filter_chain_match: { application_protocols: [ "h2c" ] }
        %s
            - filter_chain_match: { transport_protocol: tls }
        %s
            default_filter_chain:
        %s
        """
            .formatted(tcpProxy("http1"), tcpProxy("h2c"), tcpProxy("tls"), tcpProxy("other"));
    String yaml =
        bootstrap(
            listenerFilter("tls_inspector", "TlsInspector")
                + listenerFilter("http_inspector", "HttpInspector"),
            chains,
            clusters(upstreams));

    for (ProxyPair.Side proxy : both(yaml)) {
      int port = proxy.port("inspect");
      assertThat(exchange(port, HTTP11)).as(proxy.name()).isEqualTo("http1");
      assertThat(exchange(port, HTTP10)).as(proxy.name()).isEqualTo("http1");
      assertThat(exchange(port, H2C_PREFACE)).as(proxy.name()).isEqualTo("h2c");
      assertThat(exchange(port, NOT_HTTP)).as(proxy.name()).isEqualTo("other");
      assertThat(exchange(port, TlsClientHellos.clientHello("a.example.com")))
          .as(proxy.name())
          .isEqualTo("tls");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("http_inspector.http_not_found"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertInspectorStats(proxy, 1, 1, 1);
      assertThat(proxy.stat("tls_inspector.tls_found")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("listener.inspect.no_filter_chain_match")).as(proxy.name()).isZero();
    }
  }

  @Test
  void theDetectedProtocolChoosesTheChainThroughApplicationProtocolInputsQuotedList()
      throws Exception {
    List<TcpTestServer> upstreams = List.of(upstream("http1"), upstream("h2c"), upstream("other"));
    String chains =
        """
            filter_chains:
            - name: http1
        %s
            - name: h2c
        %s
            - name: other
        %s
            filter_chain_matcher:
              matcher_tree:
                input:
                  name: alpn
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput
                exact_match_map:
                  map:
                    "'http/1.1'":
                      action:
                        name: http1
                        typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: http1 }
                    "'h2c'":
                      action:
                        name: h2c
                        typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: h2c }
              on_no_match:
                action:
                  name: other
                  typed_config: { "@type": type.googleapis.com/google.protobuf.StringValue, value: other }
        """
            .formatted(tcpProxy("http1"), tcpProxy("h2c"), tcpProxy("other"));
    String yaml =
        bootstrap(listenerFilter("http_inspector", "HttpInspector"), chains, clusters(upstreams));

    for (ProxyPair.Side proxy : both(yaml)) {
      int port = proxy.port("inspect");
      assertThat(exchange(port, HTTP11)).as(proxy.name()).isEqualTo("http1");
      // HTTP/1.0 is its own value, 'http/1.0', which the map does not hold.
      assertThat(exchange(port, HTTP10)).as(proxy.name()).isEqualTo("other");
      assertThat(exchange(port, H2C_PREFACE)).as(proxy.name()).isEqualTo("h2c");
      assertThat(exchange(port, NOT_HTTP)).as(proxy.name()).isEqualTo("other");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("http_inspector.http_not_found"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertInspectorStats(proxy, 1, 1, 1);
    }
  }
}
