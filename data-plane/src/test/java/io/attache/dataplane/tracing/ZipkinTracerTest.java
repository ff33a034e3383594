package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.parse;
import static io.attache.dataplane.tracing.TracingConfigs.percent;
import static io.attache.dataplane.tracing.TracingConfigs.request;
import static io.attache.dataplane.tracing.TracingConfigs.zipkinTracing;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.tracing.TracingConfigs.RecordingSink;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The Zipkin provider's tracer: B3 extraction and injection, ids, kinds and sampling. */
class ZipkinTracerTest {
  private static final String TRACE_64 = "463ac35c9f6413ad";
  private static final String TRACE_128 = "463ac35c9f6413ad48485a3953bb6124";
  private static final String CALLER = "a2fb4a1d1a96d312";
  private static final String GRANDPARENT = "0020000000000001";
  private static final InetSocketAddress PEER = new InetSocketAddress("10.1.2.3", 51000);
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

  private final RecordingSink sink = new RecordingSink();

  private Tracer tracer(
      OperationName direction,
      UnaryOperator<ZipkinConfig.Builder> zipkin,
      UnaryOperator<HttpConnectionManager.Tracing.Builder> hcm) {
    return new Tracer(
        parse(hcm.apply(zipkinTracing("zipkin", zipkin)), direction),
        new LocalInfo("node-1", "zone-a"),
        sink,
        RandomSource.seeded(11),
        CLOCK);
  }

  private Tracer ingress() {
    return tracer(OperationName.INGRESS, z -> z, h -> h);
  }

  private static HttpHeaders upstreamHeadersOf(RequestSpan span) {
    HttpHeaders headers = new DefaultHttpHeaders();
    span.injectInto(headers);
    return headers;
  }

  private static HttpRequest get(String... headers) {
    return request("GET", "/orders", headers);
  }

  @Test
  void anIngressSpanSharesTheCallersSpanIdAndParentAsEnvoysSharedSpanContextDoes() {
    RequestSpan span =
        ingress()
            .startRequestSpan(
                get(
                    "x-b3-traceid", TRACE_64,
                    "x-b3-spanid", CALLER,
                    "x-b3-parentspanid", GRANDPARENT,
                    "x-b3-sampled", "1"),
                "HTTP/1.1",
                PEER);

    assertThat(span.traceId()).isEqualTo(TRACE_64);
    assertThat(span.spanId()).isEqualTo(CALLER);
    HttpHeaders upstream = upstreamHeadersOf(span);
    assertThat(upstream.get("x-b3-traceid")).isEqualTo(TRACE_64);
    assertThat(upstream.get("x-b3-spanid")).isEqualTo(CALLER);
    assertThat(upstream.get("x-b3-parentspanid")).isEqualTo(GRANDPARENT);
    assertThat(upstream.get("x-b3-sampled")).isEqualTo("1");
    assertThat(upstream.contains("traceparent")).isFalse();

    span.finish(RequestOutcome.of(200, "-", 0, 12));
    SpanData data = sink.spans.get(0);
    assertThat(data.kind()).isEqualTo(SpanKind.SERVER);
    assertThat(data.parentSpanId()).isEqualTo(GRANDPARENT);
    assertThat(data.attributes()).containsEntry("http.status_code", "200");
  }

  @Test
  void withoutSharedSpanContextAnIngressSpanIsANewChildOfTheCaller() {
    RequestSpan span =
        tracer(OperationName.INGRESS, z -> z.setSharedSpanContext(BoolValue.of(false)), h -> h)
            .startRequestSpan(
                get("x-b3-traceid", TRACE_128, "x-b3-spanid", CALLER, "x-b3-sampled", "1"),
                "HTTP/1.1",
                PEER);

    assertThat(span.traceId()).isEqualTo(TRACE_128);
    assertThat(span.spanId()).hasSize(16).isNotEqualTo(CALLER);
    assertThat(upstreamHeadersOf(span).get("x-b3-parentspanid")).isEqualTo(CALLER);
  }

  @Test
  void anEgressSpanIsAClientSpanChildOfTheCaller() {
    RequestSpan span =
        tracer(OperationName.EGRESS, z -> z, h -> h)
            .startRequestSpan(
                get("x-b3-traceid", TRACE_64, "x-b3-spanid", CALLER), "HTTP/1.1", PEER);

    assertThat(span.spanId()).isNotEqualTo(CALLER);
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans.get(0).kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(sink.spans.get(0).parentSpanId()).isEqualTo(CALLER);
  }

  @Test
  void aNewTraceHas64BitIdsWhoseTraceIdIsTheRootSpanIdUnlessTraceId128BitIsSet() {
    RequestSpan narrow = ingress().startRequestSpan(get(), "HTTP/1.1", PEER);
    assertThat(narrow.traceId()).hasSize(16).isEqualTo(narrow.spanId());
    assertThat(upstreamHeadersOf(narrow).contains("x-b3-parentspanid")).isFalse();

    RequestSpan wide =
        tracer(OperationName.INGRESS, z -> z.setTraceId128Bit(true), h -> h)
            .startRequestSpan(get(), "HTTP/1.1", PEER);
    assertThat(wide.traceId()).hasSize(32).endsWith(wide.spanId());
  }

  @Test
  void anExplicitSampledFlagOverridesTheConnectionManagersDecision() {
    Tracer neverSamples =
        tracer(OperationName.INGRESS, z -> z, h -> h.setRandomSampling(percent(0)));
    assertThat(neverSamples.startRequestSpan(get(), "HTTP/1.1", PEER).sampled()).isFalse();
    assertThat(
            neverSamples
                .startRequestSpan(
                    get("x-b3-traceid", TRACE_64, "x-b3-spanid", CALLER, "x-b3-sampled", "1"),
                    "HTTP/1.1",
                    PEER)
                .sampled())
        .isTrue();
    assertThat(
            neverSamples.startRequestSpan(get("x-b3-sampled", "true"), "HTTP/1.1", PEER).sampled())
        .isTrue();

    RequestSpan refused =
        ingress()
            .startRequestSpan(
                get("x-b3-traceid", TRACE_64, "x-b3-spanid", CALLER, "x-b3-sampled", "0"),
                "HTTP/1.1",
                PEER);
    assertThat(refused.sampled()).isFalse();
    assertThat(upstreamHeadersOf(refused).get("x-b3-sampled")).isEqualTo("0");
    refused.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans).isEmpty();
  }

  @Test
  void forceTraceSamplesARequestThatRandomSamplingWouldNot() {
    Tracer neverSamples =
        tracer(OperationName.INGRESS, z -> z, h -> h.setRandomSampling(percent(0)));
    assertThat(
            neverSamples
                .startRequestSpan(get("x-envoy-force-trace", "true"), "HTTP/1.1", PEER)
                .sampled())
        .isTrue();
  }

  @Test
  void theSingleB3HeaderIsReadInAllItsForms() {
    RequestSpan full =
        ingress()
            .startRequestSpan(
                get("b3", TRACE_128 + "-" + CALLER + "-1-" + GRANDPARENT), "HTTP/1.1", PEER);
    assertThat(full.traceId()).isEqualTo(TRACE_128);
    assertThat(full.spanId()).isEqualTo(CALLER);
    assertThat(upstreamHeadersOf(full).get("x-b3-parentspanid")).isEqualTo(GRANDPARENT);

    RequestSpan debug =
        tracer(OperationName.INGRESS, z -> z, h -> h.setRandomSampling(percent(0)))
            .startRequestSpan(get("b3", TRACE_64 + "-" + CALLER + "-d"), "HTTP/1.1", PEER);
    assertThat(debug.sampled()).isTrue();
    assertThat(debug.traceId()).isEqualTo(TRACE_64);

    RequestSpan noSampling =
        ingress().startRequestSpan(get("b3", TRACE_64 + "-" + CALLER), "HTTP/1.1", PEER);
    assertThat(noSampling.spanId()).isEqualTo(CALLER);
    assertThat(noSampling.sampled()).isTrue();

    RequestSpan denyOnly = ingress().startRequestSpan(get("b3", "0"), "HTTP/1.1", PEER);
    assertThat(denyOnly.sampled()).isFalse();
    assertThat(denyOnly.traceId()).hasSize(16);
  }

  @Test
  void theSingleHeaderWinsOverTheMultipleHeaders() {
    RequestSpan span =
        ingress()
            .startRequestSpan(
                get(
                    "b3", TRACE_64 + "-" + CALLER + "-1",
                    "x-b3-traceid", TRACE_128,
                    "x-b3-spanid", GRANDPARENT),
                "HTTP/1.1",
                PEER);
    assertThat(span.traceId()).isEqualTo(TRACE_64);
    assertThat(span.spanId()).isEqualTo(CALLER);
  }

  @Test
  void aMalformedContextTracesNothingAndLeavesTheHeadersAlone() {
    for (String[] headers :
        new String[][] {
          {"b3", "not-a-context"},
          {"b3", TRACE_64 + "-" + CALLER + "-x"},
          {"b3", TRACE_64 + "-" + CALLER + "-1-"},
          {"b3", "7"},
          {"x-b3-traceid", "zz", "x-b3-spanid", CALLER},
          {"x-b3-traceid", TRACE_64, "x-b3-spanid", "nothex!"},
          {"x-b3-traceid", TRACE_64, "x-b3-spanid", CALLER, "x-b3-parentspanid", "-1"}
        }) {
      HttpRequest request = get(headers);
      RequestSpan span = ingress().startRequestSpan(request, "HTTP/1.1", PEER);

      assertThat(span).as(String.join(" ", headers)).isSameAs(RequestSpan.NOOP);
      assertThat(request.headers().get(headers[0])).isEqualTo(headers[1]);
      HttpHeaders upstream = new DefaultHttpHeaders();
      span.injectInto(upstream);
      assertThat(upstream.isEmpty()).isTrue();
    }
  }

  @Test
  void shortHexIdsAreReadAsNumbersAndWrittenBackAs16Digits() {
    RequestSpan span =
        tracer(OperationName.INGRESS, z -> z, h -> h)
            .startRequestSpan(get("x-b3-traceid", "ABC", "x-b3-spanid", "1f"), "HTTP/1.1", PEER);
    assertThat(span.traceId()).isEqualTo("0000000000000abc");
    assertThat(span.spanId()).isEqualTo("000000000000001f");
  }

  @Test
  void spawnUpstreamSpanOrSplitSpansMakeAServerSpanAndAClientChildPerAttempt() {
    for (Tracer tracer :
        new Tracer[] {
          tracer(OperationName.EGRESS, z -> z.setSplitSpansForRequest(true), h -> h),
          tracer(OperationName.EGRESS, z -> z, h -> h.setSpawnUpstreamSpan(BoolValue.of(true)))
        }) {
      sink.spans.clear();
      RequestSpan span =
          tracer.startRequestSpan(
              get("x-b3-traceid", TRACE_64, "x-b3-spanid", CALLER, "x-b3-sampled", "1"),
              "HTTP/1.1",
              PEER);
      assertThat(span.spanId()).as("a shared SERVER span").isEqualTo(CALLER);
      AttemptSpan attempt = span.startAttempt(1, "backend");
      HttpHeaders upstream = new DefaultHttpHeaders();
      attempt.injectInto(upstream);
      assertThat(upstream.get("x-b3-parentspanid")).isEqualTo(CALLER);
      String childId = upstream.get("x-b3-spanid");
      assertThat(childId).isNotEqualTo(CALLER);

      attempt.finish(new AttemptOutcome("HTTP/1.1", java.util.Optional.empty(), 200, "-"));
      span.finish(RequestOutcome.of(200, "-", 0, 0));
      assertThat(sink.spans)
          .extracting(SpanData::kind, SpanData::spanId, SpanData::parentSpanId, SpanData::name)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(
                  SpanKind.CLIENT, childId, CALLER, "router backend egress"),
              org.assertj.core.groups.Tuple.tuple(
                  SpanKind.SERVER, CALLER, "", "egress api.example"));
    }
  }

  private SpanData[] childAndParentWithStartChildSpan(
      OperationName direction, UnaryOperator<ZipkinConfig.Builder> zipkin, HttpHeaders upstream) {
    sink.spans.clear();
    Tracer tracer =
        new Tracer(
            parse(zipkinTracing("zipkin", zipkin), direction).withStartChildSpan(true),
            new LocalInfo("node-1", "zone-a"),
            sink,
            RandomSource.seeded(11),
            CLOCK);
    RequestSpan span =
        tracer.startRequestSpan(
            get(
                "x-b3-traceid", TRACE_64,
                "x-b3-spanid", CALLER,
                "x-b3-parentspanid", GRANDPARENT,
                "x-b3-sampled", "1"),
            "HTTP/1.1",
            PEER);
    AttemptSpan attempt = span.startAttempt(1, "backend");
    attempt.injectInto(upstream);
    attempt.finish(new AttemptOutcome("HTTP/1.1", java.util.Optional.empty(), 200, "-"));
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    return sink.spans.toArray(new SpanData[0]);
  }

  @Test
  void theRoutersStartChildSpanAloneGivesAnIngressChildTheServerSpansSharedIds() {
    HttpHeaders upstream = new DefaultHttpHeaders();
    SpanData[] spans = childAndParentWithStartChildSpan(OperationName.INGRESS, z -> z, upstream);

    assertThat(spans)
        .extracting(SpanData::kind, SpanData::spanId, SpanData::parentSpanId, SpanData::name)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                SpanKind.SERVER, CALLER, GRANDPARENT, "router backend egress"),
            org.assertj.core.groups.Tuple.tuple(SpanKind.SERVER, CALLER, GRANDPARENT, "ingress"));
    assertThat(upstream.get("x-b3-spanid")).isEqualTo(CALLER);
    assertThat(upstream.get("x-b3-parentspanid")).isEqualTo(GRANDPARENT);
  }

  @Test
  void theRoutersStartChildSpanAloneMakesNewIdsWithoutSharingOrOnEgress() {
    SpanData[] unshared =
        childAndParentWithStartChildSpan(
            OperationName.INGRESS,
            z -> z.setSharedSpanContext(BoolValue.of(false)),
            new DefaultHttpHeaders());
    assertThat(unshared[1].kind()).isEqualTo(SpanKind.SERVER);
    assertThat(unshared[1].parentSpanId()).isEqualTo(CALLER);
    assertThat(unshared[0].kind()).isEqualTo(SpanKind.SERVER);
    assertThat(unshared[0].parentSpanId()).isEqualTo(unshared[1].spanId());
    assertThat(unshared[0].spanId()).isNotEqualTo(unshared[1].spanId());

    HttpHeaders upstream = new DefaultHttpHeaders();
    SpanData[] egress = childAndParentWithStartChildSpan(OperationName.EGRESS, z -> z, upstream);
    assertThat(egress[1].kind())
        .as("by direction, not a hop of its own")
        .isEqualTo(SpanKind.CLIENT);
    assertThat(egress[1].parentSpanId()).isEqualTo(CALLER);
    assertThat(egress[0].kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(egress[0].parentSpanId()).isEqualTo(egress[1].spanId());
    assertThat(upstream.get("x-b3-spanid")).isEqualTo(egress[0].spanId());
  }

  @Test
  void theDecisionEnvoyCountsIsTheConnectionManagersEvenWhenB3SaysNotToSample() {
    java.util.List<TraceReason> decided = new java.util.ArrayList<>();
    RequestSpan span =
        ingress().startRequestSpan(get("x-b3-sampled", "0"), "HTTP/1.1", PEER, decided::add);

    assertThat(span.sampled()).isFalse();
    assertThat(decided).containsExactly(TraceReason.SAMPLING);
    Tracer.DISABLED.startRequestSpan(get(), "HTTP/1.1", PEER, decided::add);
    assertThat(decided).as("no tracer, no decision").hasSize(1);
  }
}
