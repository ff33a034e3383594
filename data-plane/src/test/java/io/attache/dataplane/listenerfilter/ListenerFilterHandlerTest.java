package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.listenerfilter.ListenerFiltersConfig.Kind;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The listener filters on one embedded connection and virtual time: what they find, that every byte
 * they read is passed on unchanged, and {@code listener_filters_timeout} to the nanosecond.
 */
class ListenerFilterHandlerTest {
  private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40000);
  private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 15001);

  private final VirtualTime time = new VirtualTime();
  private final StatsStore stats = new StatsStore();
  private final List<ConnectionProperties> handedOn = new ArrayList<>();
  private OriginalDestination originalDestination = OriginalDestination.SOCKET_LOCAL_ADDRESS;

  private EmbeddedChannel connection(ListenerFiltersConfig config) {
    ConnectionProperties properties = new ConnectionProperties(CLIENT, LOCAL);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(
            new ListenerFilterHandler(
                config,
                properties,
                originalDestination,
                new ListenerFilterStats(stats, "listener.test."),
                time,
                (ChannelHandlerContext ctx) -> handedOn.add(properties)));
    return ch;
  }

  private static ListenerFiltersConfig filters(Kind... kinds) {
    return new ListenerFiltersConfig(List.of(kinds), Duration.ofSeconds(15), false);
  }

  private static String inbound(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    for (Object m = ch.readInbound(); m != null; m = ch.readInbound()) {
      ByteBuf b = (ByteBuf) m;
      out.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return out.toString();
  }

  @Test
  void tlsInspectorFindsSniAndAlpnAndPassesTheClientHelloOnUnchanged() throws Exception {
    byte[] hello = TlsClientHellos.clientHello("db.example.com", "h2");
    EmbeddedChannel ch = connection(filters(Kind.TLS_INSPECTOR));

    ch.writeInbound(Unpooled.wrappedBuffer(hello, 0, 10));
    assertThat(handedOn).isEmpty();
    ch.writeInbound(Unpooled.wrappedBuffer(hello, 10, hello.length - 10));

    assertThat(handedOn).hasSize(1);
    ConnectionProperties p = handedOn.get(0);
    assertThat(p.transportProtocol()).isEqualTo("tls");
    assertThat(p.requestedServerName()).isEqualTo("db.example.com");
    assertThat(p.applicationProtocols()).containsExactly("h2");
    assertThat(inbound(ch).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(hello);
    assertThat(ch.pipeline().get(ListenerFilterHandler.class)).isNull();
    assertThat(stats.counter("tls_inspector.sni_found").value()).isEqualTo(1);
    assertThat(stats.gauge("listener.test.downstream_pre_cx_active").value()).isZero();
    assertThat(time.pending()).isEmpty();
  }

  @Test
  void httpInspectorTellsHttp11FromH2cAndLeavesTheTransportRawBuffer() {
    EmbeddedChannel http1 = connection(filters(Kind.TLS_INSPECTOR, Kind.HTTP_INSPECTOR));
    http1.writeInbound(
        Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
    EmbeddedChannel h2c = connection(filters(Kind.HTTP_INSPECTOR));
    h2c.writeInbound(
        Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII));
    EmbeddedChannel other = connection(filters(Kind.HTTP_INSPECTOR));
    other.writeInbound(Unpooled.copiedBuffer("\u0000\u0001binary", StandardCharsets.ISO_8859_1));

    assertThat(handedOn)
        .extracting(ConnectionProperties::applicationProtocols)
        .containsExactly(List.of("http/1.1"), List.of("h2c"), List.of());
    assertThat(handedOn)
        .extracting(ConnectionProperties::transportProtocol)
        .containsOnly("raw_buffer");
    assertThat(inbound(http1)).startsWith("GET / HTTP/1.1");
    assertThat(stats.counter("http_inspector.http11_found").value()).isEqualTo(1);
    assertThat(stats.counter("http_inspector.http2_found").value()).isEqualTo(1);
    assertThat(stats.counter("http_inspector.http_not_found").value()).isEqualTo(1);
  }

  @Test
  void aSilentClientIsClosedAtTheListenerFiltersTimeout() {
    EmbeddedChannel ch = connection(filters(Kind.TLS_INSPECTOR));
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(15));

    time.advance(Duration.ofSeconds(15).minusNanos(1));
    assertThat(ch.isOpen()).isTrue();
    time.advance(Duration.ofNanos(1));

    assertThat(ch.isOpen()).isFalse();
    assertThat(handedOn).isEmpty();
    assertThat(stats.counter("listener.test.downstream_pre_cx_timeout").value()).isEqualTo(1);
    assertThat(stats.gauge("listener.test.downstream_pre_cx_active").value()).isZero();
  }

  @Test
  void continueOnListenerFiltersTimeoutGoesOnWithWhatWasFound() {
    EmbeddedChannel ch =
        connection(
            new ListenerFiltersConfig(List.of(Kind.TLS_INSPECTOR), Duration.ofSeconds(2), true));
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {22, 3}));

    time.advance(Duration.ofSeconds(2));

    assertThat(ch.isOpen()).isTrue();
    assertThat(handedOn).hasSize(1);
    assertThat(handedOn.get(0).transportProtocol()).isEqualTo("raw_buffer");
    assertThat(inbound(ch).getBytes(StandardCharsets.ISO_8859_1)).containsExactly(22, 3);
  }

  @Test
  void aZeroTimeoutWaitsForever() {
    EmbeddedChannel ch =
        connection(new ListenerFiltersConfig(List.of(Kind.HTTP_INSPECTOR), Duration.ZERO, false));

    assertThat(time.pending()).isEmpty();
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void aClientThatLeavesDuringInspectionIsClosedWithoutAChain() {
    EmbeddedChannel ch = connection(filters(Kind.TLS_INSPECTOR));
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {22, 3, 1}));

    ch.pipeline().fireChannelInactive();

    assertThat(handedOn).isEmpty();
    assertThat(time.pending()).isEmpty();
  }

  @Test
  void originalDstMakesTheRedirectedDestinationTheConnectionsLocalAddress() {
    InetSocketAddress original = new InetSocketAddress("10.96.0.10", 8080);
    originalDestination = accepted -> Optional.of(original);

    connection(filters(Kind.ORIGINAL_DST));

    assertThat(handedOn).hasSize(1);
    assertThat(handedOn.get(0).localAddress()).isEqualTo(original);
    assertThat(handedOn.get(0).localAddressRestored()).isTrue();
  }

  @Test
  void withoutARedirectOriginalDstKeepsTheSocketsLocalAddress() {
    connection(filters(Kind.ORIGINAL_DST));

    assertThat(handedOn.get(0).localAddress()).isEqualTo(LOCAL);
    assertThat(handedOn.get(0).localAddressRestored()).isFalse();
  }
}
