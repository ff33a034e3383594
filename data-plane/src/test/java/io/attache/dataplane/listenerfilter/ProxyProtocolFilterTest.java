package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.listenerfilter.ListenerFiltersConfig.Kind;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code proxy_protocol} listener filter on an embedded connection and virtual time, every
 * input fed one byte at a time (the header may arrive in any number of reads): what it takes off
 * the connection, the addresses it leaves, what it closes, and the counters Envoy 1.40 moves for
 * each case (as a stock Envoy 1.40 counted them for the same bytes).
 */
class ProxyProtocolFilterTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
  private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 15001);
  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  private final VirtualTime time = new VirtualTime();
  private final StatsStore stats = new StatsStore();
  private final List<ConnectionProperties> handedOn = new ArrayList<>();

  private static ListenerFiltersConfig config(String proxyProtocolYaml) throws ConfigException {
    String yaml =
        """
        static_resources:
          listeners:
          - address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            listener_filters:
            - name: envoy.filters.listener.proxy_protocol
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
        %s
            - name: envoy.filters.listener.tls_inspector
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
            filter_chains:
            - filters: []
        """
            .formatted(proxyProtocolYaml.indent(8));
    Bootstrap b = BootstrapLoader.parse(yaml, false);
    return ListenerFiltersConfig.from(b.getStaticResources().getListeners(0), "listeners[0]");
  }

  private EmbeddedChannel connection(ListenerFiltersConfig config) {
    ConnectionProperties properties = new ConnectionProperties(PEER, LOCAL);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(
            new ListenerFilterHandler(
                config,
                properties,
                OriginalDestination.SOCKET_LOCAL_ADDRESS,
                new ListenerFilterStats(stats, "listener.test.", config),
                time,
                (ChannelHandlerContext ctx) -> handedOn.add(properties)));
    return ch;
  }

  /** Feeds {@code bytes} one at a time, as long as the connection is open. */
  private static void trickle(EmbeddedChannel ch, byte[] bytes) {
    for (int i = 0; i < bytes.length && ch.isOpen(); i++) {
      ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, 1));
    }
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

  private Map<String, Long> countersThatMoved() {
    Map<String, Long> moved = new TreeMap<>();
    for (String name :
        List.of(
            "proxy_proto.not_found_allowed",
            "proxy_proto.not_found_disallowed",
            "proxy_proto.versions.v1.found",
            "proxy_proto.versions.v1.disallowed",
            "proxy_proto.versions.v1.error",
            "proxy_proto.versions.v2.found",
            "proxy_proto.versions.v2.disallowed",
            "proxy_proto.versions.v2.error",
            "downstream_cx_proxy_proto_error")) {
      long v = stats.counter(name).value();
      if (v != 0) {
        moved.put(name, v);
      }
    }
    return moved;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A v2 header: version/command, family/transport, then {@code rest} (addresses, TLVs). */
  private static byte[] v2(int versionCommand, int familyTransport, byte[] rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(V2_SIGNATURE);
    out.write(versionCommand);
    out.write(familyTransport);
    out.write(rest.length >> 8);
    out.write(rest.length & 0xFF);
    out.writeBytes(rest);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }

  static Stream<Arguments> headers() {
    byte[] inet = {1, 2, 3, 4, 10, 0, 0, 7, 0x30, 0x39, 0x00, 0x50}; // 1.2.3.4:12345 -> 10.0.0.7:80
    byte[] tlv = {0x04, 0x00, 0x02, 'h', 'i'}; // a NOOP TLV, skipped
    byte[] inet6 = new byte[36];
    inet6[15] = 1; // ::1
    inet6[16] = 0x20;
    inet6[17] = 0x01;
    inet6[18] = 0x0d;
    inet6[19] = (byte) 0xb8; // 2001:db8::
    inet6[33] = 7; // port 7
    inet6[35] = 9; // port 9
    return Stream.of(
        Arguments.of(
            "v1 TCP4",
            ascii("PROXY TCP4 1.2.3.4 10.0.0.7 12345 80\r\n"),
            "/1.2.3.4:12345",
            "/10.0.0.7:80"),
        Arguments.of(
            "v1 TCP6",
            ascii("PROXY TCP6 2001:db8::1 ::1 5 6\r\n"),
            "/[2001:db8:0:0:0:0:0:1]:5",
            "/[0:0:0:0:0:0:0:1]:6"),
        Arguments.of("v1 UNKNOWN", ascii("PROXY UNKNOWN whatever\r\n"), null, null),
        Arguments.of(
            "v2 PROXY TCP4 with a TLV",
            v2(0x21, 0x11, concat(inet, tlv)),
            "/1.2.3.4:12345",
            "/10.0.0.7:80"),
        Arguments.of(
            "v2 PROXY TCP6",
            v2(0x21, 0x21, inet6),
            "/[0:0:0:0:0:0:0:1]:7",
            "/[2001:db8:0:0:0:0:0:0]:9"),
        Arguments.of("v2 LOCAL", v2(0x20, 0x00, new byte[0]), null, null),
        Arguments.of("v2 PROXY AF_UNSPEC", v2(0x21, 0x00, new byte[0]), null, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("headers")
  void aHeaderReadInAnyNumberOfPiecesIsTakenOffAndItsAddressesBecomeTheConnections(
      String name, byte[] header, String source, String destination) {
    EmbeddedChannel ch = connection(plain());

    trickle(ch, concat(header, ascii("GET / HTTP/1.1\r\n")));

    assertThat(ch.isOpen()).isTrue();
    assertThat(handedOn).hasSize(1);
    ConnectionProperties p = handedOn.get(0);
    assertThat(p.remoteAddress().toString()).isEqualTo(source == null ? PEER.toString() : source);
    assertThat(p.localAddress().toString())
        .isEqualTo(destination == null ? LOCAL.toString() : destination);
    assertThat(p.localAddressRestored()).isEqualTo(destination != null);
    assertThat(p.directRemoteAddress()).isEqualTo(PEER);
    assertThat(inbound(ch)).isEqualTo("GET / HTTP/1.1\r\n");
    String version = name.startsWith("v1") ? "v1" : "v2";
    assertThat(countersThatMoved())
        .containsExactlyEntriesOf(Map.of("proxy_proto.versions." + version + ".found", 1L));
  }

  private static ListenerFiltersConfig plain() {
    try {
      return config("");
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of(
            "a line that is no header",
            "",
            ascii("GARBAGE\r\n"),
            Map.of("proxy_proto.versions.v1.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a v1 header with a bad address",
            "",
            ascii("PROXY TCP4 1.2.3.4 bad\r\n"),
            Map.of("proxy_proto.versions.v1.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a TCP4 header with IPv6 addresses",
            "",
            ascii("PROXY TCP4 ::1 ::1 1 2\r\n"),
            Map.of("proxy_proto.versions.v1.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "108 bytes and no line end",
            "",
            ascii("X".repeat(200)),
            Map.of("proxy_proto.not_found_disallowed", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a v2 header of version 3",
            "",
            v2(0x31, 0x11, new byte[12]),
            Map.of("proxy_proto.versions.v2.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a v2 AF_UNIX header",
            "",
            v2(0x21, 0x31, new byte[216]),
            Map.of("proxy_proto.versions.v2.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a v2 header too short for its addresses",
            "",
            v2(0x21, 0x11, new byte[8]),
            Map.of("proxy_proto.versions.v2.error", 1L, "downstream_cx_proxy_proto_error", 1L)),
        Arguments.of(
            "a v1 header where v1 is disallowed",
            "disallowed_versions: [V1]",
            ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
            Map.of("proxy_proto.versions.v1.found", 1L, "proxy_proto.versions.v1.disallowed", 1L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aBrokenMissingOrDisallowedHeaderClosesTheConnectionAndCounts(
      String name, String configYaml, byte[] bytes, Map<String, Long> moved) throws Exception {
    EmbeddedChannel ch = connection(config(configYaml));

    trickle(ch, bytes);

    assertThat(ch.isOpen()).isFalse();
    assertThat(handedOn).isEmpty();
    assertThat(countersThatMoved()).containsExactlyInAnyOrderEntriesOf(moved);
  }

  @Test
  void withoutAHeaderAllowedTheBytesPassOnUntouchedOnceTheyCannotBeginOne() throws Exception {
    EmbeddedChannel ch = connection(config("allow_requests_without_proxy_protocol: true"));

    trickle(ch, ascii("PROX"));
    assertThat(handedOn).isEmpty(); // still a possible "PROXY " line
    trickle(ch, ascii("Z"));

    assertThat(handedOn).hasSize(1);
    assertThat(handedOn.get(0).remoteAddress()).isEqualTo(PEER);
    assertThat(inbound(ch)).isEqualTo("PROXZ");
    assertThat(countersThatMoved())
        .containsExactlyEntriesOf(Map.of("proxy_proto.not_found_allowed", 1L));
  }

  @Test
  void withV2DisallowedAndHeaderlessAllowedAV2HeaderIsJustBytes() throws Exception {
    EmbeddedChannel ch =
        connection(
            config(
                """
                allow_requests_without_proxy_protocol: true
                disallowed_versions: [V2]
                """));
    byte[] header = v2(0x20, 0x00, new byte[0]);

    ch.writeInbound(Unpooled.wrappedBuffer(header));

    assertThat(handedOn).hasSize(1);
    assertThat(inbound(ch).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(header);
    assertThat(countersThatMoved())
        .containsExactlyEntriesOf(Map.of("proxy_proto.not_found_allowed", 1L));
  }

  @Test
  void aStatPrefixRootsTheCountersUnderIt() throws Exception {
    EmbeddedChannel ch = connection(config("stat_prefix: edge"));

    ch.writeInbound(Unpooled.wrappedBuffer(ascii("PROXY UNKNOWN\r\n")));

    assertThat(stats.counter("proxy_proto.edge.versions.v1.found").value()).isEqualTo(1);
    assertThat(countersThatMoved()).isEmpty();
  }

  @Test
  void aClientThatSendsHalfAHeaderIsClosedAtTheListenerFiltersTimeout() {
    EmbeddedChannel ch = connection(plain());
    ch.writeInbound(Unpooled.wrappedBuffer(ascii("PROXY TCP4 1.2")));

    time.advance(Duration.ofSeconds(15));

    assertThat(ch.isOpen()).isFalse();
    assertThat(stats.counter("listener.test.downstream_pre_cx_timeout").value()).isEqualTo(1);
  }

  @Test
  void tlvRulesAndPassThroughTlvsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> config("rules: [{ tlv_type: 4, on_tlv_present: { key: k } }]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listeners[0].listener_filters[0].typed_config.rules");
    assertThatThrownBy(() -> config("pass_through_tlvs: { match_type: INCLUDE_ALL }"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("listeners[0].listener_filters[0].typed_config.pass_through_tlvs");
  }

  @Test
  void theFilterRunsFirstSoTheInspectorAfterItSeesTheBytesAfterTheHeader() throws Exception {
    ListenerFiltersConfig config = config("");
    assertThat(config.filters()).containsExactly(Kind.PROXY_PROTOCOL, Kind.TLS_INSPECTOR);
    EmbeddedChannel ch = connection(config);

    trickle(ch, ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nplain"));

    assertThat(handedOn).hasSize(1);
    assertThat(handedOn.get(0).transportProtocol()).isEqualTo("raw_buffer");
    assertThat(inbound(ch)).isEqualTo("plain");
    assertThat(stats.counter("tls_inspector.tls_not_found").value()).isEqualTo(1);
  }
}
