package io.attache.dataplane.udpproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.UdpEchoServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same UDP proxy bootstrap run by Attaché and by a stock Envoy, over real sockets: the same
 * datagrams from the same 127.0.0.x clients must get the same replies, and the two proxies must end
 * with the same {@code udp.*} and {@code cluster.<name>.udp.*} stats (Envoy's names), idle expiry
 * and an unrouted source included.
 */
@ExtendWith(StockEnvoyExtension.class)
class UdpDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

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

  /**
   * One UDP listener {@code udp_in} with stat prefix {@code service}: datagrams from 127.0.0.2 go
   * to {@code first}, from 127.0.0.3 to {@code rest}, from anywhere else nowhere.
   */
  private static String bootstrap(int firstPort, int restPort) {
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
                idle_timeout: 1s
                matcher:
                  matcher_tree:
                    input:
                      name: envoy.matching.inputs.source_ip
                      typed_config:
                        '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                    exact_match_map:
                      map:
                        "127.0.0.2":
                          action:
                            name: route
                            typed_config:
                              '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                              cluster: first
                        "127.0.0.3":
                          action:
                            name: route
                            typed_config:
                              '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                              cluster: rest
                upstream_socket_config: { max_rx_datagram_size: 9000 }
          clusters:
        %s"""
        .formatted((cluster("first", firstPort) + cluster("rest", restPort)).indent(2));
  }

  private <T extends AutoCloseable> T closing(T resource) {
    closeAfter.add(resource);
    return resource;
  }

  private static DatagramSocket client(String ip) throws Exception {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ip), 0));
    s.setSoTimeout(5_000);
    return s;
  }

  /** Sends {@code text} and returns the reply, or null when none came within the timeout. */
  private static String exchange(DatagramSocket client, InetSocketAddress proxy, String text)
      throws Exception {
    byte[] out = text.getBytes(StandardCharsets.UTF_8);
    client.send(new DatagramPacket(out, out.length, proxy));
    byte[] buf = new byte[9000];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    try {
      client.receive(in);
    } catch (SocketTimeoutException none) {
      return null;
    }
    return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
  }

  @Test
  void bothProxiesRelayTheSameDatagramsByTheSourceMatcherAndCountThemAlike() throws Exception {
    Map<String, SortedMap<String, Long>> statsBySide = new TreeMap<>();
    UdpEchoServer first = closing(new UdpEchoServer("first:"));
    UdpEchoServer rest = closing(new UdpEchoServer("rest:"));
    ProxyPair pair =
        closing(ProxyPair.start(envoy, "udp", bootstrap(first.port(), rest.port()), dir));
    for (ProxyPair.Side proxy : pair.both()) {
      int firstSendersBefore = first.senders().size();
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", proxy.port("udp_in"));
      try (DatagramSocket two = client("127.0.0.2");
          DatagramSocket three = client("127.0.0.3");
          DatagramSocket four = client("127.0.0.4")) {
        for (int i = 0; i < 20; i++) {
          assertThat(exchange(two, address, "two-" + i))
              .as(proxy.name())
              .isEqualTo("first:two-" + i);
          assertThat(exchange(three, address, "three-" + i))
              .as(proxy.name())
              .isEqualTo("rest:three-" + i);
        }
        four.setSoTimeout(500); // an unrouted datagram gets no reply: half a second says so
        assertThat(exchange(four, address, "lost")).as(proxy.name()).isNull();
      }
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(proxy.stat("udp.service.idle_timeout")).as(proxy.name()).isEqualTo(2);
                assertThat(proxy.stat("udp.service.downstream_sess_active"))
                    .as(proxy.name())
                    .isZero();
              });
      SortedMap<String, Long> moved = new TreeMap<>(proxy.statsThatMoved("udp."));
      moved.putAll(proxy.statsThatMoved("cluster.first.udp."));
      moved.putAll(proxy.statsThatMoved("cluster.rest.udp."));
      for (String c : List.of("first", "rest")) {
        for (String bytes : List.of("upstream_cx_tx_bytes_total", "upstream_cx_rx_bytes_total")) {
          String name = "cluster." + c + "." + bytes;
          moved.put(name, proxy.stat(name));
        }
      }
      statsBySide.put(proxy == pair.attache() ? "attache" : "envoy", moved);
      List<InetSocketAddress> senders = first.senders();
      assertThat(senders.subList(firstSendersBefore, senders.size()).stream().distinct().count())
          .as("%s: one upstream socket for the session", proxy.name())
          .isEqualTo(1);
    }
    assertThat(statsBySide.get("attache")).isEqualTo(statsBySide.get("envoy"));
    assertThat(statsBySide.get("attache"))
        .containsEntry("udp.service.downstream_sess_total", 2L)
        .containsEntry("udp.service.downstream_sess_no_route", 1L)
        .containsEntry("udp.service.downstream_sess_rx_datagrams", 40L)
        .containsEntry("cluster.first.udp.sess_tx_datagrams", 20L);
  }
}
