package io.attache.dataplane.filter.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router filter and its upstream requests on virtual time: per-try timeout, jittered back-off
 * and the retry on a fresh upstream stream, the route timeout, and what each attempt reports to the
 * cluster. The upstream is an embedded channel per attempt; no socket, no sleep.
 */
class RouterFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/flaky" }
            route:
              cluster: backend
              retry_policy:
                retry_on: 5xx
                num_retries: 1
                retry_back_off: { base_interval: 0.1s, max_interval: 0.1s }
          - match: { prefix: "/" }
            route:
              cluster: backend
              timeout: 5s
              retry_policy:
                retry_on: reset
                num_retries: 1
                per_try_timeout: 1s
                retry_back_off: { base_interval: 0.1s, max_interval: 0.1s }
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  /** Every jittered draw lands in the middle of its range, so the back-off is exactly known. */
  private static final RandomSource MIDDLE =
      new RandomSource() {
        @Override
        public long nextLong() {
          return 0;
        }

        @Override
        public long nextLong(long bound) {
          return bound / 2;
        }
      };

  private StreamHarness harness;
  private RecordingCluster cluster;

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
    cluster.upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
  }

  /** The same listener at an edge that trusts loopback peers as internal callers. */
  private static final String INTERNAL_LOOPBACK_HCM =
      HCM
          + """
          use_remote_address: true
          internal_address_config:
            cidr_ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
          """;

  private StreamHarness start() throws Exception {
    return start(HCM);
  }

  private StreamHarness start(String hcm) throws Exception {
    java.util.concurrent.atomic.AtomicReference<RecordingCluster> made =
        new java.util.concurrent.atomic.AtomicReference<>();
    harness =
        new StreamHarness(
            hcm,
            StreamHarness.configuredFilters(hcm),
            MIDDLE,
            name -> {
              if (!name.equals("backend")) {
                return null;
              }
              return made.get();
            });
    cluster = new RecordingCluster("backend", harness.stats, MIDDLE);
    made.set(cluster);
    return harness;
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    return request;
  }

  private static void respond(EmbeddedChannel upstream, int status, String body) {
    upstream.writeInbound(
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
  }

  @Test
  void aResponseReadInOneUpstreamReadLeavesInOneSendWithNoFlushBetweenHeadAndBody()
      throws Exception {
    StreamHarness h = start();
    h.request(get("/one-read"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    ReferenceCountUtil.release(upstream.readOutbound());
    ReferenceCountUtil.release(upstream.readOutbound());
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set("content-length", 5);

    upstream.writeInbound(
        head,
        new io.netty.handler.codec.http.DefaultLastHttpContent(
            Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));

    assertThat(h.downstream.socketWrites)
        .containsExactly("response head", "last content then flush");
    assertThat(h.finished()).isTrue();
  }

  @Test
  void aTryThatTimesOutIsRetriedAfterTheJitteredBackOffOnAFreshStream() throws Exception {
    StreamHarness h = start();
    h.request(get("/slow"));

    assertThat(cluster.upstreams).hasSize(1);
    HttpRequest sent = cluster.upstreams.get(0).readOutbound();
    assertThat(sent.uri()).isEqualTo("/slow");
    assertThat(sent.headers().get("x-envoy-expected-rq-timeout-ms")).isEqualTo("1000");
    ReferenceCountUtil.release(cluster.upstreams.get(0).readOutbound()); // the empty last chunk

    h.time.advance(Duration.ofMillis(999));
    assertThat(cluster.upstreams).hasSize(1);
    h.time.advance(Duration.ofMillis(1));
    assertThat(cluster.events).contains("ended PER_TRY_TIMEOUT");
    assertThat(h.time.pendingDelays()).contains(Duration.ofMillis(50));

    h.time.advance(Duration.ofMillis(49));
    assertThat(cluster.upstreams).hasSize(1);
    h.time.advance(Duration.ofMillis(1));
    assertThat(cluster.upstreams).hasSize(2);

    respond(cluster.upstreams.get(1), 200, "hello");

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.info().attemptCount()).isEqualTo(2);
    assertThat(h.info().responseCodeDetails()).isEqualTo("via_upstream");
    assertThat(h.finished()).isTrue();
    assertThat(cluster.events)
        .containsExactly(
            "started",
            "ended PER_TRY_TIMEOUT",
            "released reusable=false",
            "started",
            "response 200",
            "charged 200",
            "response time 1050 ms",
            "ended COMPLETED",
            "released reusable=true");
    assertThat(h.counter("cluster.backend.upstream_rq_retry")).isEqualTo(1);
  }

  @Test
  void theResponseTimeRunsFromTheEndOfTheRequestAcrossEveryTryAndTheStreamTimeFromItsStart()
      throws Exception {
    StreamHarness h = start();
    h.time.advance(Duration.ofMillis(7)); // the stream is older than the clock's origin
    h.request(get("/slow"));
    h.time.advance(Duration.ofSeconds(1)); // first try times out
    h.time.advance(Duration.ofMillis(50)); // back-off
    h.time.advance(Duration.ofMillis(230));
    respond(cluster.upstreams.get(1), 200, "hello");

    assertThat(cluster.events).contains("response time 1280 ms");
    var streamTime = h.stats.histogram("http.ingress.downstream_rq_time").statistics().cumulative();
    assertThat(streamTime.sampleCount()).isEqualTo(1);
    // libcircllhist keeps two significant digits: 1280 ms lands in the [1200, 1300) bin.
    assertThat(streamTime.bins())
        .singleElement()
        .satisfies(
            bin -> {
              assertThat(bin.lowerBound()).isEqualTo(1200.0);
              assertThat(bin.width()).isEqualTo(100.0);
            });
  }

  @Test
  void aTryThatNeverAnswersRecordsNoResponseTime() throws Exception {
    StreamHarness h = start();
    h.request(get("/slow"));
    h.time.advance(Duration.ofSeconds(1));
    h.time.advance(Duration.ofMillis(50));
    h.time.advance(Duration.ofSeconds(1));

    assertThat(h.downstream.status()).isEqualTo(504);
    assertThat(cluster.events).noneMatch(e -> e.startsWith("response time"));
    assertThat(
            h.stats
                .histogram("http.ingress.downstream_rq_time")
                .statistics()
                .cumulative()
                .sampleCount())
        .isEqualTo(1);
  }

  @Test
  void whenEveryTryTimesOutTheClientGets504WithTheUpstreamTimeoutFlag() throws Exception {
    StreamHarness h = start();
    h.request(get("/slow"));

    h.time.advance(Duration.ofSeconds(1)); // first try
    h.time.advance(Duration.ofMillis(50)); // back-off
    h.time.advance(Duration.ofSeconds(1)); // second try: no retries left

    assertThat(h.downstream.status()).isEqualTo(504);
    assertThat(h.downstream.body()).isEqualTo("upstream request timeout");
    assertThat(h.info().hasFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT)).isTrue();
    assertThat(h.info().responseCodeDetails()).isEqualTo("upstream_per_try_timeout");
    assertThat(cluster.events)
        .as("each try is a per-try timeout; the 504 is charged once, as Envoy charges it")
        .containsSubsequence("ended PER_TRY_TIMEOUT", "ended PER_TRY_TIMEOUT", "charged 504")
        .doesNotContain("ended TIMEOUT");
    assertThat(h.downstream.closeConnectionTimers()).as("deadlines left armed").isFalse();
    assertThat(h.time.pending()).as("no timer outlives the stream").isEmpty();
  }

  @Test
  void aRetriedResponseIsChargedUnderRetryAndOnlyTheForwardedOneAsTheClustersResponse()
      throws Exception {
    StreamHarness h = start();
    h.request(get("/flaky"));
    respond(cluster.upstreams.get(0), 503, "busy");
    h.time.advance(Duration.ofMillis(50));
    respond(cluster.upstreams.get(1), 200, "hello");

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(cluster.events)
        .filteredOn(e -> e.startsWith("charged"))
        .containsExactly("charged retried 503", "charged 200");
    assertThat(h.counter("http.ingress.rq_total")).isEqualTo(1);
  }

  @Test
  void aResponseThatStartedAndStallsIsResetAtTheRouteTimeout() throws Exception {
    StreamHarness h = start();
    h.request(get("/stream"));
    EmbeddedChannel upstream = cluster.upstreams.get(0);
    upstream.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    assertThat(h.downstream.status()).isEqualTo(200);

    h.time.advance(Duration.ofMillis(4_999));
    assertThat(h.downstream.reset).isFalse();
    h.time.advance(Duration.ofMillis(1));

    assertThat(h.downstream.reset).isTrue();
    assertThat(h.info().responseCodeDetails()).isEqualTo("upstream_response_timeout");
    assertThat(cluster.events).contains("ended TIMEOUT");
    upstream.writeInbound(new DefaultLastHttpContent());
    assertThat(h.downstream.written).hasSize(1);
  }

  @Test
  void aRequestForAClusterThatDoesNotExistGetsTheNotFoundStatus() throws Exception {
    start();
    StreamHarness h =
        new StreamHarness(HCM, StreamHarness.configuredFilters(HCM), MIDDLE, name -> null);
    h.request(get("/"));

    assertThat(h.downstream.status()).isEqualTo(503);
    assertThat(h.info().hasFlag(ResponseFlag.NO_CLUSTER_FOUND)).isTrue();
    assertThat(h.counter("http.ingress.no_cluster")).isEqualTo(1);
    h.downstream.releaseAll();
  }

  @Test
  void anInternalCallersTimeoutHeadersReplaceTheRouteTimeoutsAndAreConsumed() throws Exception {
    StreamHarness h = start(INTERNAL_LOOPBACK_HCM);
    FullHttpRequest request = get("/slow");
    request
        .headers()
        .set("x-envoy-upstream-rq-timeout-ms", "300")
        .set("x-envoy-upstream-rq-per-try-timeout-ms", "0")
        .set("x-envoy-upstream-rq-timeout-alt-response", "");
    h.request(request);

    HttpRequest sent = cluster.upstreams.get(0).readOutbound();
    assertThat(sent.headers().get("x-envoy-internal")).isEqualTo("true");
    assertThat(sent.headers().get("x-envoy-expected-rq-timeout-ms")).isEqualTo("300");
    assertThat(sent.headers().names())
        .doesNotContain(
            "x-envoy-upstream-rq-timeout-ms",
            "x-envoy-upstream-rq-per-try-timeout-ms",
            "x-envoy-upstream-rq-timeout-alt-response");
    ReferenceCountUtil.release(cluster.upstreams.get(0).readOutbound());

    h.time.advance(Duration.ofMillis(299));
    assertThat(h.downstream.status()).isZero();
    h.time.advance(Duration.ofMillis(1));

    assertThat(h.downstream.status()).isEqualTo(204);
    assertThat(h.downstream.body()).isEmpty();
    assertThat(h.info().responseCodeDetails()).isEqualTo("upstream_response_timeout");
  }

  @Test
  void anExternalCallersTimeoutHeadersNeverReachTheRouter() throws Exception {
    StreamHarness h = start(HCM + "use_remote_address: true\n");
    FullHttpRequest request = get("/slow");
    request.headers().set("x-envoy-upstream-rq-timeout-ms", "300");
    h.request(request);

    HttpRequest sent = cluster.upstreams.get(0).readOutbound();
    assertThat(sent.headers().get("x-envoy-expected-rq-timeout-ms")).isEqualTo("1000");
    assertThat(sent.headers().contains("x-envoy-upstream-rq-timeout-ms")).isFalse();
    ReferenceCountUtil.release(cluster.upstreams.get(0).readOutbound());

    h.time.advance(Duration.ofMillis(300));
    assertThat(h.downstream.status()).isZero();
  }
}
