package io.attache.dataplane.http2;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp2Client;
import io.attache.dataplane.testing.RawHttp2Client.Frame;
import io.attache.dataplane.testing.TestHttpServer;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile HTTP/2 input against a real proxy over real sockets, with Envoy 1.40's answers (checked
 * on a stock Envoy with the same frames): malformed requests, stream-id abuse, zero window
 * increments, SETTINGS floods.
 */
class Http2RequestValidationIT {
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void start(String http2Options) throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "codec_type: HTTP2\n" + http2Options,
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));
  }

  private RawHttp2Client client() throws Exception {
    return new RawHttp2Client(proxy.port(), 3_000);
  }

  static Stream<Arguments> malformedRequests() {
    return Stream.<Arguments>of(
        malformed("no :method", without(":method")),
        malformed("no :scheme", without(":scheme")),
        malformed("no :path", without(":path")),
        malformed("empty :path", h -> h.path("")),
        malformed("no :authority and no host", without(":authority")),
        malformed("userinfo in :authority", h -> h.authority("user:secret@example.com")),
        malformed("a space in :authority", h -> h.authority("a b")),
        malformed("CONNECT with a :path", h -> h.method("CONNECT").authority("x:443")));
  }

  private static UnaryOperator<Http2Headers> without(String name) {
    return h -> {
      h.remove(name);
      return h;
    };
  }

  private static Arguments malformed(String name, UnaryOperator<Http2Headers> edit) {
    return Arguments.of(name, edit);
  }

  /** The first GOAWAY among the frames, or null. */
  private static Frame goAway(List<Frame> frames) {
    return frames.stream().filter(f -> f.type() == RawHttp2Client.GOAWAY).findFirst().orElse(null);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  void aMalformedRequestClosesTheConnectionWithGoAwayAndReachesNoUpstream(
      String name, UnaryOperator<Http2Headers> edit) throws Exception {
    start("");
    try (RawHttp2Client c = client()) {
      c.headers(1, edit.apply(RawHttp2Client.get("/x")), true).flush();

      List<Frame> frames = c.readUntilQuiet(50);
      assertThat(goAway(frames)).as(name + ": %s", frames).isNotNull();
      assertThat(goAway(frames).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
      assertThat(c.closedByPeer(50)).isTrue();
    }
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http2.rx_messaging_error")).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequests")
  void withStreamErrorsOnlyItsStreamIsResetAndTheConnectionServesTheNext(
      String name, UnaryOperator<Http2Headers> edit) throws Exception {
    start("http2_protocol_options: { override_stream_error_on_invalid_http_message: true }");
    try (RawHttp2Client c = client()) {
      c.headers(1, edit.apply(RawHttp2Client.get("/x")), true)
          .headers(3, RawHttp2Client.get("/ok"), true)
          .flush();

      List<Frame> frames = c.readUntilQuiet(50);
      assertThat(frames)
          .as(name)
          .anySatisfy(
              f -> {
                assertThat(f.type()).isEqualTo(RawHttp2Client.RST_STREAM);
                assertThat(f.streamId()).isEqualTo(1);
                assertThat(f.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
              })
          .anySatisfy(
              f -> {
                assertThat(f.type()).isEqualTo(RawHttp2Client.HEADERS);
                assertThat(f.streamId()).isEqualTo(3);
                assertThat(f.headers().status().toString()).isEqualTo("200");
              });
      assertThat(goAway(frames)).isNull();
    }
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void fiftyThousandRequestsWithoutMethodLeaveNoStreamBehind() throws Exception {
    start("http2_protocol_options: { override_stream_error_on_invalid_http_message: true }");
    int sent = 0;
    try (RawHttp2Client c = new RawHttp2Client(proxy.port(), 3_000)) {
      for (int i = 0; i < 50_000; i++) {
        c.headers(2 * i + 1, without(":method").apply(RawHttp2Client.get("/x")), true);
        if (i % 500 == 499) {
          try {
            c.flush();
          } catch (java.io.IOException closed) {
            break; // the proxy ended the connection
          }
        }
        sent++;
      }
      assertThat(c.closedByPeer(200_000)).as("closed by the premature-reset rule").isTrue();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> proxy.stat("http.ingress.downstream_cx_active") == 0);
    assertThat(proxy.stat("http.ingress.downstream_rq_active")).isZero();
    assertThat(proxy.stat("http.ingress.downstream_rq_too_many_premature_resets")).isEqualTo(1);
    assertThat(proxy.stat("http2.rx_messaging_error")).isEqualTo(250);
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void aStreamIdUsedAgainIsAConnectionError() throws Exception {
    start("");
    try (RawHttp2Client c = client()) {
      c.headers(1, RawHttp2Client.get("/first"), true).flush();
      assertThat(c.readUntilQuiet(20))
          .anySatisfy(f -> assertThat(f.type()).isEqualTo(RawHttp2Client.HEADERS));

      c.headers(1, RawHttp2Client.get("/again"), true).flush();
      List<Frame> frames = c.readUntilQuiet(20);

      assertThat(goAway(frames)).as("%s", frames).isNotNull();
      assertThat(goAway(frames).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
      assertThat(frames).noneMatch(f -> f.type() == RawHttp2Client.RST_STREAM);
    }
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void aDecreasingStreamIdIsAConnectionError() throws Exception {
    start("");
    try (RawHttp2Client c = client()) {
      c.headers(5, RawHttp2Client.get("/five"), true).flush();
      c.readUntilQuiet(20);
      c.headers(3, RawHttp2Client.get("/three"), true).flush();

      Frame goAway = goAway(c.readUntilQuiet(20));
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void aZeroWindowIncrementOnAStreamOrTheConnectionIsAConnectionError() throws Exception {
    start("");
    for (int streamId : new int[] {0, 1}) {
      try (RawHttp2Client c = client()) {
        c.headers(1, RawHttp2Client.get("/body").method("POST"), false)
            .windowUpdate(streamId, 0)
            .flush();

        Frame goAway = goAway(c.readUntilQuiet(20));
        assertThat(goAway).as("stream %d", streamId).isNotNull();
        assertThat(goAway.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
      }
    }
  }

  @Test
  void aSettingsFloodBeyondMaxOutboundControlFramesEndsInEnhanceYourCalm() throws Exception {
    start("http2_protocol_options: { max_outbound_control_frames: 10 }");
    try (RawHttp2Client c = client()) {
      for (int i = 0; i < 5_000; i++) {
        c.frame(RawHttp2Client.SETTINGS, 0, 0, new byte[0]);
      }
      c.flush();

      Frame goAway = goAway(c.readUntilQuiet(10_000));
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    }
    assertThat(proxy.stat("http2.outbound_control_flood")).isEqualTo(1);
  }
}
