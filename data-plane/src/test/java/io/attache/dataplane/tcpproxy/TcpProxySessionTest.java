package io.attache.dataplane.tcpproxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One tcp_proxy connection step by step on virtual time, its downstream and upstream embedded
 * channels: bytes relayed both ways and counted, the idle timeout and connect timeout to the
 * nanosecond, connect attempts, and what ends a connection early.
 */
class TcpProxySessionTest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

  private final VirtualTime time = new VirtualTime();
  private final StatsStore stats = new StatsStore();
  private final Map<String, ClusterHandle> clusters = new HashMap<>();

  /** What each connect attempt returns, in order; a null entry means "connected". */
  private final List<Throwable> connectOutcomes = new ArrayList<>();

  private final List<EmbeddedChannel> upstreams = new ArrayList<>();
  private final List<ChannelPromise> pendingConnects = new ArrayList<>();
  private boolean connectsHang;

  private final UpstreamConnector connector =
      (downstream, address, relay) -> {
        EmbeddedChannel up = new EmbeddedChannel(new ChannelHandler[] {relay});
        upstreams.add(up);
        if (connectsHang) {
          ChannelPromise p = up.newPromise();
          pendingConnects.add(p);
          return p;
        }
        Throwable failure = connectOutcomes.isEmpty() ? null : connectOutcomes.remove(0);
        ChannelFuture f = failure == null ? up.newSucceededFuture() : up.newFailedFuture(failure);
        return f;
      };

  private TcpTestCluster cluster(String name, String... ips) {
    TcpTestCluster c = new TcpTestCluster(name, stats, CONNECT_TIMEOUT, ips);
    clusters.put(name, c);
    return c;
  }

  private EmbeddedChannel proxy(TcpProxy proto) throws ConfigException {
    return proxy(proto, RandomSource.seeded(1));
  }

  private EmbeddedChannel proxy(TcpProxy proto, RandomSource random) throws ConfigException {
    TcpProxyConfig config = TcpProxyConfig.from(proto, "tcp_proxy");
    TcpProxySession session =
        new TcpProxySession(
            config,
            new TcpProxyStats(stats, config.statPrefix()),
            clusters::get,
            AccessLoggers.NONE,
            new TcpProxySession.Environment(time, time, Clock.systemUTC(), random, connector),
            "",
            new InetSocketAddress("127.0.0.1", 15001));
    EmbeddedChannel down = new EmbeddedChannel(session);
    down.runPendingTasks();
    return down;
  }

  private static TcpProxy.Builder toCluster(String cluster) {
    return TcpProxy.newBuilder().setStatPrefix("tcp_in").setCluster(cluster);
  }

  private long counter(String name) {
    return stats.counter(name).value();
  }

  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  private static String read(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    for (Object m = ch.readOutbound(); m != null; m = ch.readOutbound()) {
      ByteBuf b = (ByteBuf) m;
      out.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return out.toString();
  }

  @Test
  void relaysBytesBothWaysAndCountsThemUnderEnvoysStatNames() throws Exception {
    cluster("echo", "10.0.0.1");
    EmbeddedChannel down = proxy(toCluster("echo").build());
    EmbeddedChannel up = upstreams.get(0);

    down.writeInbound(bytes("ping"));
    assertThat(read(up)).isEqualTo("ping");
    up.writeInbound(bytes("pong!"));
    down.runPendingTasks();
    assertThat(read(down)).isEqualTo("pong!");

    assertThat(counter("tcp.tcp_in.downstream_cx_total")).isEqualTo(1);
    assertThat(counter("tcp.tcp_in.downstream_cx_rx_bytes_total")).isEqualTo(4);
    assertThat(counter("tcp.tcp_in.downstream_cx_tx_bytes_total")).isEqualTo(5);
    assertThat(counter("cluster.echo.upstream_cx_total")).isEqualTo(1);
    assertThat(counter("cluster.echo.upstream_cx_tx_bytes_total")).isEqualTo(4);
    assertThat(counter("cluster.echo.upstream_cx_rx_bytes_total")).isEqualTo(5);
    assertThat(stats.gauge("cluster.echo.upstream_cx_active").value()).isEqualTo(1);
  }

  @Test
  void bytesReadBeforeTheUpstreamConnectedAreSentFirstInOrder() throws Exception {
    cluster("echo", "10.0.0.1");
    connectsHang = true;
    EmbeddedChannel down = proxy(toCluster("echo").build());
    down.writeInbound(bytes("hello "));
    down.writeInbound(bytes("world"));
    EmbeddedChannel up = upstreams.get(0);
    assertThat(read(up)).isEmpty();

    pendingConnects.get(0).setSuccess();
    down.runPendingTasks();

    assertThat(read(up)).isEqualTo("hello world");
  }

  @Test
  void closesBothSidesAfterIdleTimeoutWithoutAByteEitherWay() throws Exception {
    cluster("echo", "10.0.0.1");
    EmbeddedChannel down =
        proxy(
            toCluster("echo")
                .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
                .build());
    EmbeddedChannel up = upstreams.get(0);

    time.advance(Duration.ofSeconds(6));
    down.writeInbound(bytes("a")); // activity moves the deadline to 16 s
    time.advance(Duration.ofSeconds(9));
    assertThat(down.isOpen()).isTrue();
    assertThat(counter("tcp.tcp_in.idle_timeout")).isZero();

    time.advance(Duration.ofSeconds(1));
    down.runPendingTasks();
    up.runPendingTasks();

    assertThat(counter("tcp.tcp_in.idle_timeout")).isEqualTo(1);
    assertThat(down.isOpen()).isFalse();
    assertThat(up.isOpen()).isFalse();
    assertThat(time.pending()).isEmpty();
  }

  @Test
  void idleTimeoutDefaultsToOneHourAndZeroDisablesIt() throws Exception {
    cluster("echo", "10.0.0.1");
    EmbeddedChannel defaults = proxy(toCluster("echo").build());
    assertThat(time.pendingDelays()).containsExactly(Duration.ofHours(1));
    defaults.close();
    assertThat(time.pending()).isEmpty();

    EmbeddedChannel disabled =
        proxy(
            toCluster("echo")
                .setIdleTimeout(com.google.protobuf.Duration.getDefaultInstance())
                .build());
    time.advance(Duration.ofDays(2));
    assertThat(disabled.isOpen()).isTrue();
    assertThat(counter("tcp.tcp_in.idle_timeout")).isZero();
  }

  @Test
  void aFailedConnectClosesTheDownstreamAndCountsIt() throws Exception {
    cluster("echo", "10.0.0.1", "10.0.0.2");
    connectOutcomes.add(new ConnectException("refused"));
    EmbeddedChannel down = proxy(toCluster("echo").build());
    down.runPendingTasks();

    assertThat(down.isOpen()).isFalse();
    assertThat(upstreams).hasSize(1);
    assertThat(counter("cluster.echo.upstream_cx_connect_fail")).isEqualTo(1);
  }

  @Test
  void maxConnectAttemptsTriesAnotherHostAfterAFailedConnect() throws Exception {
    TcpTestCluster echo = cluster("echo", "10.0.0.1", "10.0.0.2");
    connectOutcomes.add(new ConnectException("refused"));
    EmbeddedChannel down =
        proxy(
            toCluster("echo").setMaxConnectAttempts(com.google.protobuf.UInt32Value.of(2)).build());
    down.runPendingTasks();

    assertThat(down.isOpen()).isTrue();
    assertThat(echo.chosen).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(counter("cluster.echo.upstream_cx_connect_fail")).isEqualTo(1);
    down.writeInbound(bytes("x"));
    assertThat(read(upstreams.get(1))).isEqualTo("x");
  }

  @Test
  void aConnectThatHangsIsAbandonedAtTheClustersConnectTimeout() throws Exception {
    cluster("echo", "10.0.0.1");
    connectsHang = true;
    EmbeddedChannel down = proxy(toCluster("echo").build());
    assertThat(time.pendingDelays()).contains(CONNECT_TIMEOUT);

    time.advance(CONNECT_TIMEOUT.minusNanos(1));
    assertThat(counter("cluster.echo.upstream_cx_connect_timeout")).isZero();
    time.advance(Duration.ofNanos(1));
    down.runPendingTasks();

    assertThat(counter("cluster.echo.upstream_cx_connect_timeout")).isEqualTo(1);
    assertThat(counter("cluster.echo.upstream_cx_connect_fail")).isEqualTo(1);
    assertThat(down.isOpen()).isFalse();
  }

  @Test
  void anUnknownClusterClosesTheConnectionAsNoRoute() throws Exception {
    EmbeddedChannel down = proxy(toCluster("nowhere").build());

    assertThat(down.isOpen()).isFalse();
    assertThat(counter("tcp.tcp_in.downstream_cx_no_route")).isEqualTo(1);
    assertThat(upstreams).isEmpty();
  }

  @Test
  void maxDownstreamConnectionDurationClosesEvenABusyConnection() throws Exception {
    cluster("echo", "10.0.0.1");
    EmbeddedChannel down =
        proxy(
            toCluster("echo")
                .setMaxDownstreamConnectionDuration(
                    com.google.protobuf.Duration.newBuilder().setSeconds(5))
                .build());
    for (int i = 0; i < 4; i++) {
      time.advance(Duration.ofSeconds(1));
      down.writeInbound(bytes("."));
    }
    assertThat(down.isOpen()).isTrue();
    time.advance(Duration.ofSeconds(1));
    down.runPendingTasks();

    assertThat(down.isOpen()).isFalse();
    assertThat(counter("tcp.tcp_in.max_downstream_connection_duration")).isEqualTo(1);
  }

  @Test
  void weightedClustersAreDrawnPerConnectionByWeight() throws Exception {
    cluster("a", "10.0.0.1");
    cluster("b", "10.0.0.2");
    TcpProxy proto =
        TcpProxy.newBuilder()
            .setStatPrefix("tcp_in")
            .setWeightedClusters(
                TcpProxy.WeightedCluster.newBuilder()
                    .addClusters(
                        TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                            .setName("a")
                            .setWeight(1))
                    .addClusters(
                        TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                            .setName("b")
                            .setWeight(3)))
            .build();
    // Draws 0 → a (weight 1), 1..3 → b (weight 3).
    long[] draws = {0, 1, 3, 2};
    int[] i = {0};
    RandomSource scripted =
        new RandomSource() {
          @Override
          public long nextLong() {
            throw new AssertionError("unbounded draw");
          }

          @Override
          public long nextLong(long bound) {
            assertThat(bound).isEqualTo(4);
            return draws[i[0]++];
          }
        };
    for (int n = 0; n < draws.length; n++) {
      proxy(proto, scripted);
    }

    assertThat(counter("cluster.a.upstream_cx_total")).isEqualTo(1);
    assertThat(counter("cluster.b.upstream_cx_total")).isEqualTo(3);
  }

  @Test
  void theUpstreamClosingEndsTheDownstreamAfterItsBytesAreWritten() throws Exception {
    cluster("echo", "10.0.0.1");
    EmbeddedChannel down = proxy(toCluster("echo").build());
    EmbeddedChannel up = upstreams.get(0);
    up.writeInbound(bytes("bye"));
    up.close();
    down.runPendingTasks();

    assertThat(read(down)).isEqualTo("bye");
    assertThat(down.isOpen()).isFalse();
    assertThat(stats.gauge("cluster.echo.upstream_cx_active").value()).isZero();
  }

  private static TcpProxy.Builder tunnelTo(String cluster) {
    return toCluster(cluster)
        .setTunnelingConfig(
            TcpProxy.TunnelingConfig.newBuilder()
                .setHostname("db.internal:%DOWNSTREAM_LOCAL_PORT%"));
  }

  @Test
  void aTunnelHoldsTheClientsBytesUntilA2xxThenRelaysWhatFollowsTheResponseHead() throws Exception {
    cluster("proxy", "10.0.0.1");
    EmbeddedChannel down = proxy(tunnelTo("proxy").build());
    EmbeddedChannel up = upstreams.get(0);
    down.writeInbound(bytes("hello"));

    assertThat(read(up))
        .isEqualTo("CONNECT db.internal:15001 HTTP/1.1\r\nhost: db.internal:15001\r\n\r\n");
    up.writeInbound(bytes("HTTP/1.1 200 Connection established\r\ncontent-length: 9\r\n"));
    assertThat(read(up)).isEmpty();
    up.writeInbound(bytes("\r\nfirst"));
    down.runPendingTasks();

    assertThat(read(up)).isEqualTo("hello");
    assertThat(read(down)).isEqualTo("first");
    up.writeInbound(bytes("second"));
    down.runPendingTasks();
    assertThat(read(down)).isEqualTo("second");
    assertThat(counter("cluster.proxy.upstream_cx_http1_total")).isEqualTo(1);
    assertThat(counter("cluster.proxy.upstream_rq_total")).isEqualTo(1);
    assertThat(counter("cluster.proxy.upstream_rq_200")).isEqualTo(1);
  }

  @Test
  void aRefusedTunnelIsAFailedConnectRetriedOnAnotherHostThenTheClientIsClosed() throws Exception {
    cluster("proxy", "10.0.0.1", "10.0.0.2");
    EmbeddedChannel down =
        proxy(
            tunnelTo("proxy").setMaxConnectAttempts(com.google.protobuf.UInt32Value.of(2)).build());
    down.writeInbound(bytes("secret"));

    EmbeddedChannel first = upstreams.get(0);
    read(first);
    first.writeInbound(bytes("HTTP/1.1 503 Service Unavailable\r\n\r\n"));
    down.runPendingTasks();
    assertThat(first.isOpen()).isFalse();
    assertThat(down.isOpen()).isTrue();

    EmbeddedChannel second = upstreams.get(1);
    assertThat(read(second)).startsWith("CONNECT ").doesNotContain("secret");
    second.writeInbound(bytes("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"));
    down.runPendingTasks();

    assertThat(down.isOpen()).isFalse();
    assertThat(read(down)).isEmpty();
    assertThat(counter("cluster.proxy.upstream_cx_connect_fail")).isEqualTo(2);
    assertThat(counter("cluster.proxy.upstream_rq_503")).isEqualTo(1);
    assertThat(counter("cluster.proxy.upstream_rq_404")).isEqualTo(1);
  }

  @Test
  void aTunnelNobodyAnswersEndsAtTheIdleTimeoutToTheNanosecond() throws Exception {
    cluster("proxy", "10.0.0.1");
    EmbeddedChannel down =
        proxy(
            tunnelTo("proxy")
                .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))
                .build());
    EmbeddedChannel up = upstreams.get(0);

    time.advance(Duration.ofSeconds(5).minusNanos(1));
    down.runPendingTasks();
    assertThat(down.isOpen()).isTrue();
    time.advance(Duration.ofNanos(1));
    down.runPendingTasks();

    assertThat(counter("tcp.tcp_in.idle_timeout")).isEqualTo(1);
    assertThat(down.isOpen()).isFalse();
    assertThat(up.isOpen()).isFalse();
    assertThat(time.pending()).isEmpty();
  }
}
