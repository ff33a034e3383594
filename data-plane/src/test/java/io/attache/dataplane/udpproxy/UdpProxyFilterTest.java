package io.attache.dataplane.udpproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.tcpproxy.TcpTestCluster;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The UDP proxy step by step on virtual time, with embedded channels for the listener socket and
 * each session's upstream socket: sessions per downstream address, replies relayed to the right
 * downstream, the idle timeout to the nanosecond, per-packet load balancing, the matcher's routes,
 * and Envoy's stat names.
 */
class UdpProxyFilterTest {
  private static final InetSocketAddress LISTENER = new InetSocketAddress("127.0.0.1", 1234);
  private static final InetSocketAddress CLIENT_A = new InetSocketAddress("127.0.0.1", 40001);
  private static final InetSocketAddress CLIENT_B = new InetSocketAddress("127.0.0.2", 40002);

  private final VirtualTime time = new VirtualTime();
  private final StatsStore stats = new StatsStore();
  private final Map<String, ClusterHandle> clusters = new HashMap<>();
  private final EmbeddedChannel listener = new EmbeddedChannel();
  private final List<EmbeddedChannel> upstreams = new ArrayList<>();

  private final UdpUpstreamSockets sockets =
      (upstream, handler) -> {
        EmbeddedChannel up = new EmbeddedChannel(new ChannelHandler[] {handler});
        upstreams.add(up);
        return up.newSucceededFuture();
      };

  @AfterEach
  void releaseChannels() {
    listener.finishAndReleaseAll();
    upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  private UdpProxyFilter proxy(UdpProxyConfig proto) throws ConfigException {
    return new UdpProxyFilter(
        UdpProxyFilterConfig.from(proto, "udp_proxy"),
        stats,
        clusters::get,
        listener,
        sockets,
        time,
        time);
  }

  private static UdpProxyConfig.Builder toCluster(String cluster) {
    return UdpProxyConfig.newBuilder().setStatPrefix("service").setCluster(cluster);
  }

  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  /** Every datagram written to {@code ch}, as "text->host:port". */
  private static List<String> sent(EmbeddedChannel ch) {
    List<String> out = new ArrayList<>();
    for (Object m = ch.readOutbound(); m != null; m = ch.readOutbound()) {
      DatagramPacket p = (DatagramPacket) m;
      out.add(
          p.content().toString(StandardCharsets.US_ASCII)
              + "->"
              + p.recipient().getHostString()
              + ":"
              + p.recipient().getPort());
      p.release();
    }
    return out;
  }

  private static void reply(EmbeddedChannel upstream, String text) {
    upstream.writeInbound(
        new DatagramPacket(bytes(text), new InetSocketAddress("127.0.0.1", 9), null));
  }

  private long counter(String name) {
    return stats.counter(name).value();
  }

  @Test
  void opensOneSessionPerDownstreamAddressAndSendsRepliesBackToTheirSender() throws Exception {
    clusters.put("echo", new TcpTestCluster("echo", stats, Duration.ofSeconds(1), "10.0.0.1"));
    UdpProxyFilter proxy = proxy(toCluster("echo").build());

    proxy.onData(LISTENER, CLIENT_A, bytes("a1"));
    proxy.onData(LISTENER, CLIENT_A, bytes("a2"));
    proxy.onData(LISTENER, CLIENT_B, bytes("b1"));

    assertThat(upstreams).hasSize(2);
    assertThat(sent(upstreams.get(0))).containsExactly("a1->10.0.0.1:80", "a2->10.0.0.1:80");
    assertThat(sent(upstreams.get(1))).containsExactly("b1->10.0.0.1:80");
    reply(upstreams.get(1), "to-b");
    reply(upstreams.get(0), "to-a!");
    assertThat(sent(listener)).containsExactly("to-b->127.0.0.2:40002", "to-a!->127.0.0.1:40001");

    assertThat(counter("udp.service.downstream_sess_total")).isEqualTo(2);
    assertThat(stats.gauge("udp.service.downstream_sess_active").value()).isEqualTo(2);
    assertThat(counter("udp.service.downstream_sess_rx_datagrams")).isEqualTo(3);
    assertThat(counter("udp.service.downstream_sess_rx_bytes")).isEqualTo(6);
    assertThat(counter("udp.service.downstream_sess_tx_datagrams")).isEqualTo(2);
    assertThat(counter("udp.service.downstream_sess_tx_bytes")).isEqualTo(9);
    assertThat(counter("cluster.echo.udp.sess_tx_datagrams")).isEqualTo(3);
    assertThat(counter("cluster.echo.udp.sess_rx_datagrams")).isEqualTo(2);
    assertThat(counter("cluster.echo.upstream_cx_tx_bytes_total")).isEqualTo(6);
    assertThat(counter("cluster.echo.upstream_cx_rx_bytes_total")).isEqualTo(9);
  }

  @Test
  void endsASessionAfterSixtySecondsWithoutADatagramEitherWay() throws Exception {
    clusters.put("echo", new TcpTestCluster("echo", stats, Duration.ofSeconds(1), "10.0.0.1"));
    UdpProxyFilter proxy = proxy(toCluster("echo").build());

    proxy.onData(LISTENER, CLIENT_A, bytes("ping"));
    time.advance(Duration.ofSeconds(30));
    reply(upstreams.get(0), "pong"); // a reply re-arms the timer too
    time.advance(Duration.ofSeconds(60).minusNanos(1));
    assertThat(proxy.activeSessions()).isEqualTo(1);
    assertThat(counter("udp.service.idle_timeout")).isZero();

    time.advance(Duration.ofNanos(1));
    assertThat(proxy.activeSessions()).isZero();
    assertThat(counter("udp.service.idle_timeout")).isEqualTo(1);
    assertThat(stats.gauge("udp.service.downstream_sess_active").value()).isZero();
    assertThat(upstreams.get(0).isOpen()).isFalse();
    assertThat(time.pending()).isEmpty();

    proxy.onData(LISTENER, CLIENT_A, bytes("again"));
    assertThat(upstreams).hasSize(2);
    assertThat(counter("udp.service.downstream_sess_total")).isEqualTo(2);
  }

  @Test
  void honoursAConfiguredIdleTimeout() throws Exception {
    clusters.put("echo", new TcpTestCluster("echo", stats, Duration.ofSeconds(1), "10.0.0.1"));
    UdpProxyFilter proxy =
        proxy(
            toCluster("echo")
                .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))
                .build());

    proxy.onData(LISTENER, CLIENT_A, bytes("ping"));
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(5));
    time.advance(Duration.ofSeconds(5));
    assertThat(proxy.activeSessions()).isZero();
  }

  @Test
  void countsNoRouteWhenTheClusterDoesNotExist() throws Exception {
    UdpProxyFilter proxy = proxy(toCluster("missing").build());

    proxy.onData(LISTENER, CLIENT_A, bytes("lost"));

    assertThat(upstreams).isEmpty();
    assertThat(counter("udp.service.downstream_sess_no_route")).isEqualTo(1);
    assertThat(counter("udp.service.downstream_sess_total")).isZero();
  }

  @Test
  void perPacketLoadBalancingOpensASessionPerHostForOneDownstream() throws Exception {
    TcpTestCluster cluster =
        new TcpTestCluster("pool", stats, Duration.ofSeconds(1), "10.0.0.1", "10.0.0.2");
    clusters.put("pool", cluster);
    UdpProxyFilter proxy = proxy(toCluster("pool").setUsePerPacketLoadBalancing(true).build());

    for (int i = 0; i < 4; i++) {
      proxy.onData(LISTENER, CLIENT_A, bytes("d" + i));
    }

    assertThat(cluster.chosen).containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2");
    assertThat(proxy.activeSessions()).isEqualTo(2);
    assertThat(sent(upstreams.get(0))).containsExactly("d0->10.0.0.1:80", "d2->10.0.0.1:80");
    assertThat(sent(upstreams.get(1))).containsExactly("d1->10.0.0.2:80", "d3->10.0.0.2:80");
  }

  @Test
  void stickySessionsKeepTheirHostWhileRoundRobinWouldMove() throws Exception {
    TcpTestCluster cluster =
        new TcpTestCluster("pool", stats, Duration.ofSeconds(1), "10.0.0.1", "10.0.0.2");
    clusters.put("pool", cluster);
    UdpProxyFilter proxy = proxy(toCluster("pool").build());

    for (int i = 0; i < 3; i++) {
      proxy.onData(LISTENER, CLIENT_A, bytes("d" + i));
    }

    assertThat(cluster.chosen).containsExactly("10.0.0.1");
    assertThat(sent(upstreams.get(0))).hasSize(3);
  }

  @Test
  void aSessionBeyondTheClustersMaxConnectionsIsNotOpened() throws Exception {
    CircuitBreakerSettings oneConnection =
        new CircuitBreakerSettings(
            new CircuitBreakerSettings.Thresholds(
                1, 1024, 1024, 3, Optional.empty(), false, OptionalLong.empty()),
            CircuitBreakerSettings.DEFAULT_THRESHOLDS,
            CircuitBreakerSettings.PerHostThresholds.UNLIMITED,
            CircuitBreakerSettings.PerHostThresholds.UNLIMITED);
    clusters.put(
        "echo",
        new TcpTestCluster("echo", stats, Duration.ofSeconds(1), oneConnection, "10.0.0.1"));
    UdpProxyFilter proxy = proxy(toCluster("echo").build());

    proxy.onData(LISTENER, CLIENT_A, bytes("a"));
    proxy.onData(LISTENER, CLIENT_B, bytes("b"));

    assertThat(proxy.activeSessions()).isEqualTo(1);
    assertThat(counter("cluster.echo.upstream_cx_overflow")).isEqualTo(1);
    time.advance(Duration.ofSeconds(60));
    proxy.onData(LISTENER, CLIENT_B, bytes("b"));
    assertThat(proxy.activeSessions()).isEqualTo(1);
  }

  @Test
  void theDocsRouterSendsEachSourceAddressAndPortToItsCluster() throws Exception {
    UdpProxyFilterConfig config =
        UdpProxyFilterConfig.from(routerExample(), "listener_filters[0].typed_config");
    UdpRouter router = config.router();

    assertThat(router.route(LISTENER, new InetSocketAddress("127.0.0.1", 80)))
        .isEqualTo("udp_service");
    assertThat(router.route(LISTENER, new InetSocketAddress("127.0.0.1", 443)))
        .isEqualTo("udp_service2");
    assertThat(router.route(LISTENER, new InetSocketAddress("127.0.0.1", 5353)))
        .isEqualTo("udp_service3");
    assertThat(router.route(LISTENER, new InetSocketAddress("127.0.0.2", 80))).isNull();
  }

  @Test
  void matchesAnIpv6SourceAsEnvoyPrintsItAndTheDestinationPort() throws Exception {
    UdpRouter router =
        UdpProxyFilterConfig.from(
                udpProxy(
                    """
                    matcher:
                      matcher_list:
                        matchers:
                        - predicate:
                            and_matcher:
                              predicate:
                              - single_predicate:
                                  input:
                                    name: envoy.matching.inputs.source_ip
                                    typed_config:
                                      '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                                  value_match: { exact: "::1" }
                              - single_predicate:
                                  input:
                                    name: envoy.matching.inputs.destination_port
                                    typed_config:
                                      '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput
                                  value_match: { exact: "1234" }
                          on_match:
                            action:
                              name: route
                              typed_config:
                                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                                cluster: local6
                    """),
                "udp_proxy")
            .router();

    assertThat(router.route(LISTENER, new InetSocketAddress("0:0:0:0:0:0:0:1", 5000)))
        .isEqualTo("local6");
    assertThat(router.route(new InetSocketAddress("127.0.0.1", 1235), CLIENT_A)).isNull();
  }

  @Test
  void refusesWhatItDoesNotRunNamingTheField() {
    assertThatThrownBy(() -> proxy(toCluster("c").setUseOriginalSrcIp(true).build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("udp_proxy.use_original_src_ip");
    assertThatThrownBy(
            () ->
                proxy(
                    toCluster("c")
                        .addSessionFilters(
                            UdpProxyConfig.SessionFilter.newBuilder()
                                .setName("envoy.filters.udp.session.http_capsule"))
                        .build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("udp_proxy.session_filters");
    assertThatThrownBy(() -> proxy(UdpProxyConfig.newBuilder().setStatPrefix("s").build()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("one of cluster or matcher is required");
  }

  /** A UdpProxyConfig with stat prefix {@code service} and {@code fieldsYaml}, read from YAML. */
  private static UdpProxyConfig udpProxy(String fieldsYaml) throws Exception {
    String yaml =
        """
        static_resources:
          listeners:
          - address:
              socket_address: {protocol: UDP, address: 127.0.0.1, port_value: 0}
            listener_filters:
            - name: envoy.filters.udp_listener.udp_proxy
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                stat_prefix: service
        %s"""
            .formatted(fieldsYaml.stripIndent().indent(8));
    return BootstrapLoader.parse(yaml, false)
        .getStaticResources()
        .getListeners(0)
        .getListenerFilters(0)
        .getTypedConfig()
        .unpack(UdpProxyConfig.class);
  }

  /** The matcher of Envoy's docs/root/.../udp-proxy-router.yaml, as its YAML says. */
  private static UdpProxyConfig routerExample() throws Exception {
    String yaml =
        """
        static_resources:
          listeners:
          - address:
              socket_address: {protocol: UDP, address: 127.0.0.1, port_value: 0}
            listener_filters:
            - name: envoy.filters.udp_listener.udp_proxy
              typed_config:
                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
                stat_prefix: service
                matcher:
                  matcher_list:
                    matchers:
                    - predicate:
                        single_predicate:
                          input:
                            name: envoy.matching.inputs.source_ip
                            typed_config:
                              '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                          value_match:
                            exact: 127.0.0.1
                      on_match:
                        matcher:
                          matcher_tree:
                            input:
                              name: envoy.matching.inputs.source_port
                              typed_config:
                                '@type': type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourcePortInput
                            exact_match_map:
                              map:
                                "80":
                                  action:
                                    name: route
                                    typed_config:
                                      '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                                      cluster: udp_service
                                "443":
                                  action:
                                    name: route
                                    typed_config:
                                      '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                                      cluster: udp_service2
                          on_no_match:
                            action:
                              name: route
                              typed_config:
                                '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                                cluster: udp_service3
        """;
    Any filter =
        BootstrapLoader.parse(yaml, false)
            .getStaticResources()
            .getListeners(0)
            .getListenerFilters(0)
            .getTypedConfig();
    return filter.unpack(UdpProxyConfig.class);
  }
}
