package io.attache.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.listenerfilter.TlsClientHellos;
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
 * A listener's {@code filter_chain_matcher} run by Attaché and by a stock Envoy on the same
 * bootstrap, over real sockets, with the same assertions on both: the chain chosen by the transport
 * protocol tls_inspector found (Envoy's listener_tls example), by the destination IP
 * (listener_vip's prefix map, reached on two loopback addresses), and by SNI, where an action
 * naming no chain closes the connection and counts {@code no_filter_chain_match} while no match
 * takes the {@code default_filter_chain}. Each chain is a tcp_proxy to an upstream that answers its
 * name.
 */
@ExtendWith(StockEnvoyExtension.class)
class FilterChainMatcherDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int READ_TIMEOUT_MS = 30_000;
  private static final String TLS_INSPECTOR =
      """
      listener_filters:
      - name: envoy.filters.listener.tls_inspector
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
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
    ProxyPair pair = ProxyPair.start(envoy, "fcm-" + closeAfter.size(), bootstrapYaml, dir);
    closeAfter.add(pair);
    return pair.both();
  }

  /** A listener {@code name} on {@code address}:0 whose chains are tcp_proxies to {@code names}. */
  private static String bootstrap(
      String address, String listenerExtra, String matcher, List<TcpTestServer> upstreams) {
    StringBuilder chains = new StringBuilder();
    StringBuilder clusters = new StringBuilder();
    for (TcpTestServer upstream : upstreams) {
      String name = upstream.name();
      String chain =
          """
          - name: %s
            filters:
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: %s
                cluster: %s
          """
              .formatted(name, name, name);
      if (name.equals("fallback")) {
        chain = chain.replace("- name: fallback\n  filters:", "default_filter_chain:\n  filters:");
        listenerExtra += chain;
      } else {
        chains.append(chain);
      }
      clusters.append(
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
              .formatted(name, name, upstream.port()));
    }
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: fcm
            stat_prefix: fcm
            address: { socket_address: { address: %s, port_value: 0 } }
        %s
            filter_chains:
        %s
            filter_chain_matcher:
        %s
          clusters:
        %s
        """
        .formatted(
            address,
            indent(listenerExtra, 4),
            indent(chains.toString(), 4),
            indent(matcher, 6),
            indent(clusters.toString(), 2));
  }

  private static String action(String chain) {
    return """
        action:
          name: %s
          typed_config:
            "@type": type.googleapis.com/google.protobuf.StringValue
            value: %s
        """
        .formatted(chain, chain);
  }

  private static String input(String type) {
    return """
        input:
          name: %s
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.%s
        """
        .formatted(type, type);
  }

  private static String indent(String text, int spaces) {
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : " ".repeat(spaces) + line).append('\n');
    }
    return out.toString();
  }

  private TcpTestServer upstream(String name) throws IOException {
    TcpTestServer server = new TcpTestServer(name, TcpTestServer.Mode.NAME);
    closeAfter.add(server);
    return server;
  }

  private static Socket connect(String address, int port) throws IOException {
    Socket s = new Socket(InetAddress.getByName(address), port);
    s.setSoTimeout(READ_TIMEOUT_MS);
    s.setTcpNoDelay(true);
    return s;
  }

  /** Sends {@code first} and reads what comes back until the connection ends. */
  private static String exchange(String address, int port, byte[] first) throws IOException {
    try (Socket s = connect(address, port)) {
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

  @Test
  void theTransportProtocolTlsInspectorFoundChoosesTheChainAsInEnvoysListenerTlsExample()
      throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("TransportProtocolInput"), 2)
            + "  exact_match_map:\n    map:\n      \"tls\":\n"
            + indent(action("tls"), 8)
            + "on_no_match:\n"
            + indent(action("plaintext"), 2);
    String yaml =
        bootstrap(
            "127.0.0.1", TLS_INSPECTOR, matcher, List.of(upstream("tls"), upstream("plaintext")));

    for (ProxyPair.Side proxy : both(yaml)) {
      int port = proxy.port("fcm");
      byte[] hello = TlsClientHellos.clientHello("a.example.com");
      assertThat(exchange("127.0.0.1", port, hello)).as(proxy.name()).isEqualTo("tls");
      assertThat(exchange("127.0.0.1", port, ascii("hello\r\n")))
          .as(proxy.name())
          .isEqualTo("plaintext");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("tcp.plaintext.downstream_cx_total"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertThat(proxy.stat("tcp.tls.downstream_cx_total")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("tls_inspector.tls_found")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("tls_inspector.tls_not_found")).as(proxy.name()).isEqualTo(1);
      assertThat(proxy.stat("listener.fcm.no_filter_chain_match")).as(proxy.name()).isZero();
    }
  }

  @Test
  void theDestinationIpPrefixChoosesTheVipChainAsInEnvoysListenerVipExample() throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("DestinationIPInput"), 2)
            + "  prefix_match_map:\n    map:\n      \"127.0.0.2\":\n"
            + indent(action("vip"), 8)
            + "on_no_match:\n"
            + indent(action("default"), 2);
    String yaml = bootstrap("0.0.0.0", "", matcher, List.of(upstream("vip"), upstream("default")));

    for (ProxyPair.Side proxy : both(yaml)) {
      int port = proxy.port("fcm");
      assertThat(exchange("127.0.0.2", port, ascii("x"))).as(proxy.name()).isEqualTo("vip");
      assertThat(exchange("127.0.0.1", port, ascii("x"))).as(proxy.name()).isEqualTo("default");
    }
  }

  @Test
  void anSniNamingNoChainIsClosedAndCountedWhileAnUnmatchedOneTakesTheDefaultChain()
      throws Exception {
    String matcher =
        "matcher_tree:\n"
            + indent(input("ServerNameInput"), 2)
            + "  exact_match_map:\n    map:\n      \"a.example.com\":\n"
            + indent(action("a"), 8)
            + "      \"b.example.com\":\n"
            + indent(action("no_such_chain"), 8);
    String yaml =
        bootstrap(
            "127.0.0.1", TLS_INSPECTOR, matcher, List.of(upstream("a"), upstream("fallback")));

    for (ProxyPair.Side proxy : both(yaml)) {
      int port = proxy.port("fcm");
      assertThat(exchange("127.0.0.1", port, TlsClientHellos.clientHello("a.example.com")))
          .as(proxy.name())
          .isEqualTo("a");
      assertThat(exchange("127.0.0.1", port, TlsClientHellos.clientHello("b.example.com")))
          .as(proxy.name())
          .isEmpty();
      assertThat(exchange("127.0.0.1", port, TlsClientHellos.clientHello("c.example.com")))
          .as(proxy.name())
          .isEqualTo("fallback");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("listener.fcm.no_filter_chain_match"))
                      .as(proxy.name())
                      .isEqualTo(1));
      assertThat(proxy.stat("tls_inspector.sni_found")).as(proxy.name()).isEqualTo(3);
    }
  }
}
