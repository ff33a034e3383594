package io.attache.dataplane.udpproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.UdpEchoServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The UDP proxy through real sockets: a UDP listener on 127.0.0.1, real UDP echo servers as the
 * clusters' hosts, several real clients. Sessions per client with one upstream socket each, replies
 * to the right client, idle expiry, and the docs' router by source address (127.0.0.x sources).
 */
class UdpProxyIT {

  private static String bootstrap(String udpProxy, String clusters) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: udp_in
            address: { socket_address: { protocol: UDP, address: 127.0.0.1, port_value: 0 } }
            udp_listener_config:
              downstream_socket_config: { max_rx_datagram_size: 9000 }
            listener_filters:
            - name: envoy.filters.udp_listener.udp_proxy
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                stat_prefix: service
        %s
          clusters:
        %s"""
        .formatted(udpProxy.stripIndent().indent(8), clusters.indent(2));
  }

  /** Sends {@code text} from {@code client} and waits (at most 5 s) for the one reply. */
  private static String exchange(DatagramSocket client, InetSocketAddress proxy, String text)
      throws Exception {
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    client.send(new DatagramPacket(out, out.length, proxy));
    byte[] buf = new byte[9000];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    client.receive(in);
    assertThat(in.getSocketAddress()).isEqualTo(proxy);
    return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
  }

  private static DatagramSocket client(String ip) throws Exception {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ip), 0));
    s.setSoTimeout(5_000);
    return s;
  }

  @Test
  void relaysManyDatagramsOfSeveralClientsEachThroughItsOwnSessionUntilIdle() throws Exception {
    try (UdpEchoServer echo = new UdpEchoServer("echo:");
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    """
                    cluster: echo
                    idle_timeout: 1s
                    """,
                    ProxyHarness.staticCluster("echo", "", echo.port())))) {
      InetSocketAddress address = proxy.listener();
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        for (int c = 0; c < 3; c++) {
          clients.add(client("127.0.0.1"));
        }
        for (int i = 0; i < 50; i++) {
          for (int c = 0; c < clients.size(); c++) {
            String text = "client" + c + "-" + i;
            assertThat(exchange(clients.get(c), address, text)).isEqualTo("echo:" + text);
          }
        }
      } finally {
        clients.forEach(DatagramSocket::close);
      }

      assertThat(new HashSet<>(echo.senders())).hasSize(3); // one upstream socket per session
      assertThat(proxy.stat("udp.service.downstream_sess_total")).isEqualTo(3);
      // The client can read the last echo before the proxy counts its write: let it settle.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(proxy.stat("udp.service.downstream_sess_rx_datagrams")).isEqualTo(150);
                assertThat(proxy.stat("udp.service.downstream_sess_tx_datagrams")).isEqualTo(150);
                assertThat(proxy.stat("cluster.echo.udp.sess_tx_datagrams")).isEqualTo(150);
                assertThat(proxy.stat("cluster.echo.udp.sess_rx_datagrams")).isEqualTo(150);
              });
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                assertThat(proxy.stat("udp.service.downstream_sess_active")).isZero();
                assertThat(proxy.stat("udp.service.idle_timeout")).isEqualTo(3);
              });
      assertThat(proxy.admin("/listeners")).contains("udp_in");
      assertThat(proxy.admin("/config_dump"))
          .contains("envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig");
    }
  }

  @Test
  void routesBySourceAddressAsTheMatcherSays() throws Exception {
    try (UdpEchoServer first = new UdpEchoServer("first:");
        UdpEchoServer rest = new UdpEchoServer("rest:");
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    """
                    matcher:
                      matcher_list:
                        matchers:
                        - predicate:
                            single_predicate:
                              input:
                                name: envoy.matching.inputs.source_ip
                                typed_config:
                                  '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                              value_match: { exact: 127.0.0.2 }
                          on_match:
                            action:
                              name: route
                              typed_config:
                                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                                cluster: first
                      on_no_match:
                        action:
                          name: route
                          typed_config:
                            '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                            cluster: rest
                    """,
                    ProxyHarness.staticCluster("first", "", first.port())
                        + ProxyHarness.staticCluster("rest", "", rest.port())));
        DatagramSocket two = client("127.0.0.2");
        DatagramSocket three = client("127.0.0.3")) {
      InetSocketAddress address = proxy.listener();

      assertThat(exchange(two, address, "a")).isEqualTo("first:a");
      assertThat(exchange(three, address, "b")).isEqualTo("rest:b");
      assertThat(exchange(two, address, "c")).isEqualTo("first:c");

      assertThat(proxy.stat("cluster.first.udp.sess_tx_datagrams")).isEqualTo(2);
      assertThat(proxy.stat("cluster.rest.udp.sess_tx_datagrams")).isEqualTo(1);
      assertThat(proxy.stat("udp.service.downstream_sess_total")).isEqualTo(2);
    }
  }
}
