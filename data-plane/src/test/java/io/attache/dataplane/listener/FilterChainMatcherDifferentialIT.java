package io.attache.dataplane.listener;

import static io.attache.dataplane.testing.L4Bootstrap.chain;
import static io.attache.dataplane.testing.L4Bootstrap.indent;
import static io.attache.dataplane.testing.L4Bootstrap.tcpProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.listenerfilter.TlsClientHellos;
import io.attache.dataplane.testing.DifferentialRun;
import io.attache.dataplane.testing.L4Bootstrap;
import io.attache.dataplane.testing.ProxyHarness;
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
  @TempDir Path dir;
  private DifferentialRun run;

  @BeforeEach
  void start(Envoy envoy) {
    run = new DifferentialRun(envoy, "fcm", dir);
  }

  @AfterEach
  void closeEverything() throws Exception {
    run.close();
  }

  /**
   * A listener {@code fcm} on {@code address}:0 whose chains, named after the upstreams, are
   * tcp_proxies to them; the one named {@code fallback} is the default_filter_chain.
   */
  private static String bootstrap(
      String address, String listenerExtra, String matcher, List<TcpTestServer> upstreams) {
    StringBuilder extra =
        new StringBuilder("stat_prefix: fcm\n")
            .append(listenerExtra)
            .append("filter_chain_matcher:\n")
            .append(indent(matcher, 2));
    StringBuilder chains = new StringBuilder();
    StringBuilder clusters = new StringBuilder();
    for (TcpTestServer upstream : upstreams) {
      String name = upstream.name();
      String filters = tcpProxy(name, name, "");
      if (name.equals("fallback")) {
        extra.append("default_filter_chain:\n  filters:\n").append(indent(filters, 2));
      } else {
        chains.append(chain("name: " + name, filters));
      }
      clusters.append(ProxyHarness.staticCluster(name, "", upstream.port()));
    }
    return L4Bootstrap.of(
        L4Bootstrap.listener("fcm", address, extra.toString(), chains.toString()),
        clusters.toString());
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

  private TcpTestServer upstream(String name) throws IOException {
    return run.closing(new TcpTestServer(name, TcpTestServer.Mode.NAME));
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
            "127.0.0.1",
            L4Bootstrap.TLS_INSPECTOR,
            matcher,
            List.of(upstream("tls"), upstream("plaintext")));

    for (ProxyPair.Side proxy : run.both(yaml)) {
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

    for (ProxyPair.Side proxy : run.both(yaml)) {
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
            "127.0.0.1",
            L4Bootstrap.TLS_INSPECTOR,
            matcher,
            List.of(upstream("a"), upstream("fallback")));

    for (ProxyPair.Side proxy : run.both(yaml)) {
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
