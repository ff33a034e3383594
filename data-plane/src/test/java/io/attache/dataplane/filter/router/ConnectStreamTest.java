package io.attache.dataplane.filter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CONNECT through the connection manager and the router on virtual time: {@code connect_matcher}
 * routing, the connection manager's upgrade decision for CONNECT (403 on a routed request it does
 * not allow, 404 without a route), a CONNECT forwarded upstream as a CONNECT and its 2xx turning
 * both sides into raw bytes, and a CONNECT (or an {@code allow_post} POST) the route terminates: a
 * 200 from the router itself and the stream's bytes on a raw connection, with the stream idle
 * timeout and not the route timeout. The upstream is an embedded channel; no socket, no sleep.
 */
class ConnectStreamTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      stream_idle_timeout: 30s
      upgrade_configs: [ { upgrade_type: CONNECT } ]
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { connect_matcher: {}, headers: [ { name: foo, string_match: { exact: bar } } ] }
            route: { cluster: backend, timeout: 1s }
          - match: { connect_matcher: {} }
            route:
              cluster: backend
              timeout: 1s
              upgrade_configs: [ { upgrade_type: CONNECT, connect_config: {} } ]
          - match: { prefix: "/post", headers: [ { name: ":method", string_match: { exact: POST } } ] }
            route:
              cluster: backend
              upgrade_configs: [ { upgrade_type: CONNECT, connect_config: { allow_post: true } } ]
          - match: { prefix: "/" }
            route: { cluster: backend }
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;
  private RecordingCluster cluster;

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
    cluster.upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  private StreamHarness start(String hcm) throws Exception {
    java.util.concurrent.atomic.AtomicReference<RecordingCluster> made =
        new java.util.concurrent.atomic.AtomicReference<>();
    harness =
        new StreamHarness(
            hcm, StreamHarness.configuredFilters(hcm), RandomSource.seeded(7), name -> made.get());
    cluster = new RecordingCluster("backend", harness.stats, RandomSource.seeded(7));
    made.set(cluster);
    return harness;
  }

  private static HttpRequest connect(String authority) {
    HttpRequest request =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, authority);
    request.headers().set("host", authority);
    return request;
  }

  private static DefaultHttpContent bytes(String text) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  private static String text(Object bytes) {
    ByteBuf buf = bytes instanceof HttpContent c ? c.content() : (ByteBuf) bytes;
    try {
      return buf.toString(StandardCharsets.UTF_8);
    } finally {
      ReferenceCountUtil.release(bytes);
    }
  }

  @Test
  void aTerminatedConnectIsAnswered200ByTheProxyAndCarriesRawBytesOnARawConnection()
      throws Exception {
    StreamHarness h = start(HCM);
    h.request(connect("echo.internal:7"));

    assertThat(cluster.events).contains("raw tcp pool");
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    assertThat((Object) upstream.readOutbound()).as("no HTTP goes to a raw upstream").isNull();
    HttpResponse down = (HttpResponse) h.downstream.written.get(0);
    assertThat(down.status().code()).isEqualTo(200);
    assertThat(down.headers().contains("content-length")).isFalse();
    assertThat(down.headers().contains("transfer-encoding")).isFalse();
    assertThat(down.headers().contains("connection")).isFalse();
    assertThat(h.downstream.tunnelStarted).isTrue();
    // The client waits for the 200 before it sends, and no upstream read will flush it.
    assertThat(h.downstream.socketWrites).containsExactly("response head", "flush");
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isEqualTo(1);
    assertThat(h.stats.gauge("http.ingress.downstream_cx_upgrades_active").value()).isEqualTo(1);
    // The codec's end of the CONNECT's headers is not the end of the tunnel.
    h.body(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat((Object) upstream.readOutbound()).isNull();

    h.body(bytes("ping"));
    assertThat(text(upstream.readOutbound())).isEqualTo("ping");
    upstream.writeInbound(Unpooled.copiedBuffer("pong", StandardCharsets.UTF_8));
    assertThat(text(h.downstream.written.remove(1))).isEqualTo("pong");

    upstream.close();
    assertThat(h.finished()).isTrue();
    assertThat(h.downstream.closeRequested).isTrue();
    assertThat(h.stats.gauge("http.ingress.downstream_cx_upgrades_active").value()).isZero();
    assertThat(h.counter("http.ingress.downstream_rq_2xx")).isEqualTo(1);
  }

  @Test
  void aConnectOnARouteWithoutConnectConfigIsForwardedAsAConnectAndTunnelsAfterThe2xx()
      throws Exception {
    StreamHarness h = start(HCM);
    HttpRequest request = connect("example.com:443");
    request.headers().set("foo", "bar");
    h.request(request);

    assertThat(cluster.events).doesNotContain("raw tcp pool");
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    HttpRequest up = (HttpRequest) upstream.readOutbound();
    assertThat(up.method()).isEqualTo(HttpMethod.CONNECT);
    assertThat(up.uri()).isEqualTo("example.com:443");
    assertThat(up.headers().contains("transfer-encoding")).isFalse();
    assertThat(up.headers().contains("upgrade")).isFalse();

    upstream.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    upstream.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT); // the codec's end of the 200

    assertThat(((HttpResponse) h.downstream.written.get(0)).status().code()).isEqualTo(200);
    assertThat(cluster.events).contains("upgraded to raw bytes");
    assertThat(h.downstream.tunnelStarted).isTrue();
    h.body(bytes("hello"));
    assertThat(text(upstream.readOutbound())).isEqualTo("hello");
    upstream.writeInbound(Unpooled.copiedBuffer("world", StandardCharsets.UTF_8));
    assertThat(text(h.downstream.written.remove(1))).isEqualTo("world");
  }

  @Test
  void aConnectTheUpstreamRefusesIsRelayedAndClosesTheConnection() throws Exception {
    StreamHarness h = start(HCM);
    HttpRequest request = connect("example.com:443");
    request.headers().set("foo", "bar");
    h.request(request);
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    ReferenceCountUtil.release(upstream.readOutbound());

    upstream.writeInbound(
        new io.netty.handler.codec.http.DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.FORBIDDEN));

    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.downstream.tunnelStarted).isFalse();
    assertThat(h.downstream.closeRequested).isTrue();
  }

  @Test
  void aConnectIsRefused403WhenTheConnectionManagerDoesNotListConnectAndARouteMatches()
      throws Exception {
    StreamHarness h = start(HCM.replace("upgrade_configs: [ { upgrade_type: CONNECT } ]", ""));
    h.request(connect("example.com:443"));

    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.info().responseCodeDetails()).isEqualTo("upgrade_failed");
    assertThat(h.counter("http.ingress.downstream_rq_ws_on_non_ws_route")).isEqualTo(1);
    assertThat(h.downstream.closeRequested).isTrue();
    assertThat(cluster.upstreams).isEmpty();
  }

  @Test
  void aConnectNoRouteMatchesIsAnswered404() throws Exception {
    StreamHarness h =
        start(
            HCM.replace("connect_matcher: {}, headers", "prefix: \"/a\", headers")
                .replace("- match: { connect_matcher: {} }", "- match: { prefix: \"/b\" }"));
    h.request(connect("example.com:443"));

    assertThat(h.downstream.status()).isEqualTo(404);
    assertThat(h.info().hasFlag(ResponseFlag.NO_ROUTE_FOUND)).isTrue();
    assertThat(cluster.upstreams).isEmpty();
  }

  @Test
  void connectMatcherRoutesNothingButConnect() throws Exception {
    StreamHarness h = start(HCM);
    HttpRequest get = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
    get.headers().set("host", "example.com");
    h.request(get);

    assertThat(cluster.events).doesNotContain("raw tcp pool");
    HttpRequest up = (HttpRequest) cluster.upstreams.get(0).readOutbound();
    assertThat(up.method()).isEqualTo(HttpMethod.GET);
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isZero();
  }

  @Test
  void anHttp2ClientsEndOfStreamReachesTheRawUpstreamAndTheUpstreamsEndEndsTheResponse()
      throws Exception {
    StreamHarness h = start(HCM);
    h.downstream.protocol = "HTTP/2";
    h.request(connect("echo.internal:7"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    assertThat(((HttpResponse) h.downstream.written.get(0)).status().code()).isEqualTo(200);
    assertThat(h.downstream.tunnelStarted).as("HTTP/2 keeps its DATA frames").isFalse();

    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("last", StandardCharsets.UTF_8)));
    assertThat(text(upstream.readOutbound())).isEqualTo("last");
    assertThat(h.finished()).isFalse();
    upstream.writeInbound(Unpooled.copiedBuffer("echo", StandardCharsets.UTF_8));
    upstream.close();

    assertThat(text(h.downstream.written.remove(1))).isEqualTo("echo");
    assertThat(h.downstream.written.get(1)).isInstanceOf(LastHttpContent.class);
    assertThat(h.finished()).isTrue();
    assertThat(h.downstream.reset).isFalse();
  }

  @Test
  void aPostOnAnAllowPostRouteIsTerminatedItsBodyBeingTheTunnel() throws Exception {
    StreamHarness h = start(HCM);
    h.downstream.protocol = "HTTP/2";
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/post");
    post.headers().set("host", "example.com");
    h.request(post);

    assertThat(cluster.events).contains("raw tcp pool");
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    assertThat(((HttpResponse) h.downstream.written.get(0)).status().code()).isEqualTo(200);
    h.body(bytes("raw"));
    assertThat(text(upstream.readOutbound())).isEqualTo("raw");
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isZero();
  }

  @Test
  void theRouteTimeoutDoesNotCutATerminatedTunnelButTheStreamIdleTimeoutDoes() throws Exception {
    StreamHarness h = start(HCM);
    h.downstream.protocol = "HTTP/2";
    h.request(connect("echo.internal:7"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("half", StandardCharsets.UTF_8)));
    ReferenceCountUtil.release(upstream.readOutbound());

    h.time.advance(Duration.ofSeconds(20)); // the route's 1 s timeout never started
    upstream.writeInbound(Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8));
    assertThat(h.finished()).isFalse();
    h.time.advance(Duration.ofSeconds(29));
    assertThat(h.finished()).isFalse();

    h.time.advance(Duration.ofSeconds(1));

    assertThat(h.finished()).isTrue();
    assertThat(h.downstream.reset).isTrue();
    assertThat(h.info().hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT)).isTrue();
    assertThat(h.info().hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT)).isFalse();
  }
}
