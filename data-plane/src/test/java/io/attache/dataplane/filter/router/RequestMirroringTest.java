package io.attache.dataplane.filter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's request mirroring on virtual time: the shadow goes to the mirror cluster with the
 * {@code -shadow} authority and the whole body, only for the admitted share, and nothing it does —
 * an error, silence, a timeout — reaches the client's response. Upstreams are embedded channels.
 */
class RequestMirroringTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/half" }
            route:
              cluster: backend
              request_mirror_policies:
              - cluster: mirror
                runtime_fraction: { default_value: { numerator: 50, denominator: HUNDRED } }
          - match: { prefix: "/small" }
            per_request_buffer_limit_bytes: 4
            route:
              cluster: backend
              request_mirror_policies:
              - cluster: mirror
          - match: { prefix: "/by-header" }
            route:
              cluster: backend
              request_mirror_policies:
              - cluster_header: x-mirror-to
          - match: { prefix: "/" }
            route:
              cluster: backend
              timeout: 5s
              request_mirror_policies:
              - cluster: mirror
              - cluster: missing
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  /** Every draw is {@link #draw}: the share of requests a fraction admits is then exact. */
  private long draw;

  private final RandomSource random =
      new RandomSource() {
        @Override
        public long nextLong() {
          return draw;
        }

        @Override
        public long nextLong(long bound) {
          return bound / 2;
        }
      };

  private StreamHarness harness;
  private final Map<String, RecordingCluster> clusters = new HashMap<>();

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
    clusters.values().forEach(c -> c.upstreams.forEach(EmbeddedChannel::finishAndReleaseAll));
  }

  private StreamHarness start() throws Exception {
    harness = new StreamHarness(HCM, StreamHarness.configuredFilters(HCM), random, clusters::get);
    clusters.put("backend", new RecordingCluster("backend", harness.stats, random));
    clusters.put("mirror", new RecordingCluster("mirror", harness.stats, random));
    return harness;
  }

  private RecordingCluster backend() {
    return clusters.get("backend");
  }

  private RecordingCluster mirror() {
    return clusters.get("mirror");
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com:8080");
    return request;
  }

  private static void respond(EmbeddedChannel upstream, int status, String body) {
    upstream.writeInbound(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
  }

  /** Everything the channel was asked to send, bodies as text. */
  private static List<String> sent(EmbeddedChannel upstream) {
    List<String> out = new ArrayList<>();
    HttpObject o;
    while ((o = upstream.readOutbound()) != null) {
      if (o instanceof HttpRequest r) {
        out.add(r.method() + " " + r.uri() + " host=" + r.headers().get("host"));
      }
      if (o instanceof HttpContent c) {
        out.add(
            (c instanceof LastHttpContent ? "last:" : "chunk:")
                + c.content().toString(StandardCharsets.UTF_8));
      }
      ReferenceCountUtil.release(o);
    }
    return out;
  }

  @Test
  void theShadowGoesToTheMirrorClusterWithTheShadowAuthorityAndItsAnswerNeverReachesTheClient()
      throws Exception {
    StreamHarness h = start();
    h.request(get("/orders"));

    assertThat(mirror().upstreams).hasSize(1);
    assertThat(sent(mirror().upstreams.get(0)))
        .containsExactly("GET /orders host=example.com-shadow:8080", "last:");
    assertThat(sent(backend().upstreams.get(0)).get(0))
        .isEqualTo("GET /orders host=example.com:8080");

    respond(mirror().upstreams.get(0), 500, "shadow broke");
    assertThat(h.finished()).isFalse();
    respond(backend().upstreams.get(0), 200, "hello");

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.downstream.body()).isEqualTo("hello");
    assertThat(mirror().events)
        .containsExactly(
            "started", "response 500", "charged 500", "ended COMPLETED", "released reusable=true");
    assertThat(backend().events).doesNotContain("charged 500");
  }

  @Test
  void theShadowCarriesTheWholeBodyAndGoesOutOnlyOnceTheRequestHasEnded() throws Exception {
    StreamHarness h = start();
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    post.headers().set("host", "example.com").set("transfer-encoding", "chunked");
    h.request(post);
    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("one,", StandardCharsets.UTF_8)));

    assertThat(mirror().upstreams).isEmpty();
    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("two", StandardCharsets.UTF_8)));

    assertThat(sent(mirror().upstreams.get(0)))
        .containsExactly(
            "POST /upload host=example.com-shadow", "chunk:one,", "chunk:two", "last:");
    assertThat(sent(backend().upstreams.get(0)))
        .containsExactly("POST /upload host=example.com", "chunk:one,", "last:two");
  }

  @Test
  void aShadowThatNeverAnswersTimesOutOnTheRouteTimeoutAfterTheClientHasItsResponse()
      throws Exception {
    StreamHarness h = start();
    h.request(get("/slow-shadow"));
    respond(backend().upstreams.get(0), 200, "fast");
    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.finished()).isTrue();

    h.time.advance(Duration.ofMillis(4999));
    assertThat(mirror().events).containsExactly("started");
    h.time.advance(Duration.ofMillis(1));

    assertThat(mirror().events)
        .containsExactly("started", "charged 504", "ended TIMEOUT", "released reusable=false");
  }

  @Test
  void aClientThatLeavesBeforeItsRequestEndsIsNeverShadowed() throws Exception {
    StreamHarness h = start();
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    post.headers().set("host", "example.com").set("transfer-encoding", "chunked");
    h.request(post);
    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("part", StandardCharsets.UTF_8)));
    h.downstreamCloses();

    assertThat(mirror().upstreams).isEmpty();
    assertThat(mirror().events).isEmpty();
  }

  @Test
  void aRuntimeFractionShadowsOnlyTheRequestsItsDrawAdmits() throws Exception {
    StreamHarness h = start();
    draw = 149; // 149 % 100 = 49 < 50
    h.request(get("/half"));
    respond(backend().upstreams.get(0), 200, "ok");
    assertThat(mirror().upstreams).hasSize(1);

    draw = 50;
    h.request(get("/half"));
    respond(backend().upstreams.get(1), 200, "ok");
    assertThat(mirror().upstreams).hasSize(1);
  }

  @Test
  void aClusterHeaderPicksTheShadowClusterAndAnUnknownOrMissingOneShadowsNothing()
      throws Exception {
    StreamHarness h = start();
    FullHttpRequest named = get("/by-header");
    named.headers().set("x-mirror-to", "mirror");
    h.request(named);
    assertThat(mirror().upstreams).hasSize(1);

    FullHttpRequest unknown = get("/by-header");
    unknown.headers().set("x-mirror-to", "nowhere");
    h.request(unknown);
    h.request(get("/by-header"));

    assertThat(mirror().upstreams).hasSize(1);
    assertThat(backend().upstreams).hasSize(3);
  }

  @Test
  void aBodyOverTheBufferLimitIsNotShadowedAndCountsAsAbandonedWhileTheMainRequestGoesThrough()
      throws Exception {
    StreamHarness h = start();
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/small");
    post.headers().set("host", "example.com").set("transfer-encoding", "chunked");
    h.request(post);
    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("four", StandardCharsets.UTF_8)));
    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("more", StandardCharsets.UTF_8)));
    respond(backend().upstreams.get(0), 200, "stored");

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(sent(backend().upstreams.get(0)))
        .containsExactly("POST /small host=example.com", "chunk:four", "last:more");
    assertThat(mirror().upstreams).isEmpty();
    assertThat(h.counter("cluster.backend.retry_or_shadow_abandoned")).isEqualTo(1);
  }

  @Test
  void theShadowIsAnInternalRequestFromThisServerAnnouncingTheRouteTimeoutAsEnvoysAsyncClientSends()
      throws Exception {
    HttpRequest request = get("/orders");
    request.headers().set("x-forwarded-for", "198.51.100.9");
    request.headers().set("x-envoy-expected-rq-timeout-ms", "999");

    HttpRequest shadow =
        ShadowRequest.head(
            request, "example.com-shadow", java.net.InetAddress.getByName("192.0.2.2"), 15000);

    assertThat(shadow.headers().get("host")).isEqualTo("example.com-shadow");
    assertThat(shadow.headers().get("x-envoy-internal")).isEqualTo("true");
    assertThat(shadow.headers().get("x-forwarded-for")).isEqualTo("198.51.100.9,192.0.2.2");
    assertThat(shadow.headers().get("x-envoy-expected-rq-timeout-ms")).isEqualTo("15000");
    assertThat(request.headers().contains("x-envoy-internal"))
        .as("the main request keeps its own headers")
        .isFalse();

    HttpRequest untimed =
        ShadowRequest.head(get("/orders"), "", java.net.InetAddress.getByName("192.0.2.2"), 0);
    assertThat(untimed.headers().get("x-forwarded-for")).isEqualTo("192.0.2.2");
    assertThat(untimed.headers().contains("x-envoy-expected-rq-timeout-ms")).isFalse();
  }
}
