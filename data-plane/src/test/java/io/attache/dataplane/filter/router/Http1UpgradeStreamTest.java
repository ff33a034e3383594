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
 * HTTP/1.1 upgrades through the connection manager and the router on virtual time: the decision
 * (the HCM lists the type, the route may turn it off: 403 {@code upgrade_failed}), the upgrade
 * headers kept on the way up without chunked framing, the switch to raw bytes on both sides after
 * the 101, and which timeouts apply to the tunnel (the stream idle timeout does, the route timeout
 * does not). The upstream is an embedded channel; no socket, no sleep.
 */
class Http1UpgradeStreamTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      stream_idle_timeout: 30s
      upgrade_configs: [ { upgrade_type: websocket } ]
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/off" }
            route:
              cluster: backend
              upgrade_configs: [ { upgrade_type: WEBSOCKET, enabled: false } ]
          - match: { prefix: "/" }
            route: { cluster: backend, timeout: 1s }
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

  private static HttpRequest upgrade(String path, String type) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set("host", "example.com");
    request.headers().set("connection", "keep-alive, Upgrade");
    request.headers().set("upgrade", type);
    request.headers().set("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    return request;
  }

  /** The request the upstream got, and what followed it, in order. */
  private static HttpRequest upstreamRequest(EmbeddedChannel upstream) {
    Object first = upstream.readOutbound();
    assertThat(first).isInstanceOf(HttpRequest.class);
    return (HttpRequest) first;
  }

  private static void switchProtocols(EmbeddedChannel upstream) {
    HttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    response.headers().set("connection", "Upgrade");
    response.headers().set("upgrade", "websocket");
    response.headers().set("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    upstream.writeInbound(response);
    upstream.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT); // the codec's end of the 101
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
  void anAcceptedUpgradeGoesUpWithItsUpgradeHeadersAndNoBodyFramingAndIsCounted() throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/chat", "websocket"));

    HttpRequest up = upstreamRequest(cluster.upstreams.get(0));
    assertThat(up.headers().get("upgrade")).isEqualTo("websocket");
    assertThat(up.headers().get("connection")).isEqualToIgnoringCase("upgrade");
    assertThat(up.headers().get("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
    assertThat(up.headers().contains("transfer-encoding")).isFalse();
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isEqualTo(1);
    assertThat(h.stats.gauge("http.ingress.downstream_cx_upgrades_active").value()).isEqualTo(1);
    // The codec's end of the request headers does not end the stream: the tunnel is its body.
    h.body(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat((Object) cluster.upstreams.get(0).readOutbound()).isNull();
    assertThat(h.finished()).isFalse();
  }

  @Test
  void afterThe101BothSidesCarryRawBytesAndTheUpstreamsCloseEndsTheConnection() throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/chat", "websocket"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    upstreamRequest(upstream);

    switchProtocols(upstream);

    assertThat(h.downstream.tunnelStarted).isTrue();
    HttpResponse down = (HttpResponse) h.downstream.written.get(0);
    assertThat(down.status().code()).isEqualTo(101);
    assertThat(down.headers().get("upgrade")).isEqualTo("websocket");
    assertThat(down.headers().get("connection")).isEqualToIgnoringCase("upgrade");
    assertThat(down.headers().get("sec-websocket-accept"))
        .isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assertThat(cluster.events).contains("upgraded to raw bytes");

    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("client frame", StandardCharsets.UTF_8)));
    assertThat(text(upstream.readOutbound())).isEqualTo("client frame");
    upstream.writeInbound(Unpooled.copiedBuffer("server frame", StandardCharsets.UTF_8));
    assertThat(text(h.downstream.written.remove(1))).isEqualTo("server frame");

    upstream.close();
    assertThat(h.finished()).isTrue();
    assertThat(h.downstream.completed).isTrue();
    assertThat(h.downstream.closeRequested).isTrue();
    assertThat(h.downstream.reset).isFalse();
    assertThat(h.stats.gauge("http.ingress.downstream_cx_upgrades_active").value()).isZero();
    assertThat(h.counter("http.ingress.downstream_rq_1xx")).isEqualTo(1);
  }

  @Test
  void anUpstreamThatDoesNotSwitchIsRelayedWithConnectionCloseAndTheConnectionCloses()
      throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/chat", "websocket"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    upstreamRequest(upstream);

    upstream.writeInbound(
        new io.netty.handler.codec.http.DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));

    assertThat(h.downstream.status()).isEqualTo(404);
    HttpResponse down = (HttpResponse) h.downstream.written.get(0);
    assertThat(down.headers().get("connection")).isEqualTo("close");
    assertThat(h.downstream.tunnelStarted).isFalse();
    assertThat(h.downstream.closeRequested).isTrue();
    assertThat(h.stats.gauge("http.ingress.downstream_cx_upgrades_active").value()).isZero();
  }

  @Test
  void theRouteTimeoutDoesNotCutATunnelButTheStreamIdleTimeoutDoes() throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/chat", "websocket"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    upstreamRequest(upstream);
    switchProtocols(upstream);

    h.time.advance(Duration.ofSeconds(20)); // the route's 1 s timeout never started
    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("still here", StandardCharsets.UTF_8)));
    assertThat(text(upstream.readOutbound())).isEqualTo("still here");
    h.time.advance(Duration.ofSeconds(29));
    assertThat(h.finished()).isFalse();

    h.time.advance(Duration.ofSeconds(1));

    assertThat(h.finished()).isTrue();
    assertThat(h.downstream.reset).isTrue();
    assertThat(h.info().hasFlag(ResponseFlag.STREAM_IDLE_TIMEOUT)).isTrue();
    assertThat(h.counter("http.ingress.downstream_rq_idle_timeout")).isEqualTo(1);
    assertThat(h.info().hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT)).isFalse();
  }

  @Test
  void anUpgradeTypeTheConnectionManagerDoesNotListIsRefused403() throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/chat", "spdy/3"));

    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.info().responseCodeDetails()).isEqualTo("upgrade_failed");
    assertThat(cluster.upstreams).isEmpty();
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isZero();
  }

  @Test
  void aRouteThatTurnsTheUpgradeOffGets403WhateverTheCaseOfTheType() throws Exception {
    StreamHarness h = start(HCM);
    h.request(upgrade("/off", "WebSocket"));

    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.info().responseCodeDetails()).isEqualTo("upgrade_failed");
    assertThat(cluster.upstreams).isEmpty();
  }

  @Test
  void anOrdinaryRequestLosesAnUpgradeHeaderThatNamesNoConnectionUpgrade() throws Exception {
    StreamHarness h = start(HCM);
    HttpRequest request = upgrade("/chat", "websocket");
    request.headers().set("connection", "keep-alive");
    h.request(request);

    HttpRequest up = upstreamRequest(cluster.upstreams.get(0));
    assertThat(up.headers().contains("upgrade")).isFalse();
    assertThat(h.counter("http.ingress.downstream_cx_upgrades_total")).isZero();
  }
}
