package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.parse;
import static io.attache.dataplane.tracing.TracingConfigs.percent;
import static io.attache.dataplane.tracing.TracingConfigs.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.trace.v3.ClientConfig;
import io.envoyproxy.envoy.config.trace.v3.SkyWalkingConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The SkyWalking provider's tracer: sw8 extraction and injection as cpp2sky does it, the segment's
 * Entry and Exit spans, Envoy's tag renames, and which requests get a segment at all.
 */
class SkyWalkingTracerTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("10.1.2.3", 51000);
  private static final InetSocketAddress UPSTREAM = new InetSocketAddress("10.0.0.5", 8080);
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000, 123_000_000), ZoneOffset.UTC);

  private final List<DecodedSegment> reported = new ArrayList<>();

  private static SkyWalkingConfig.Builder skyWalking() {
    return SkyWalkingConfig.newBuilder()
        .setGrpcService(
            GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName("skywalking"))
                .setTimeout(Duration.newBuilder().setNanos(250_000_000)))
        .setClientConfig(
            ClientConfig.newBuilder().setServiceName("front").setInstanceName("front-1"));
  }

  private static HttpConnectionManager.Tracing.Builder tracing(SkyWalkingConfig.Builder config) {
    return HttpConnectionManager.Tracing.newBuilder()
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName(SkyWalkingTracerConfig.PROVIDER_NAME)
                .setTypedConfig(Any.pack(config.build())));
  }

  private Tracer tracer(HttpConnectionManager.Tracing.Builder proto, boolean startChildSpan) {
    TracingConfig config = parse(proto, OperationName.INGRESS).withStartChildSpan(startChildSpan);
    return new Tracer(
        config,
        new LocalInfo("node-1", "zone-a"),
        config.skyWalking().orElseThrow().withNodeDefaults("node-cluster", "node-1"),
        segment -> reported.add(DecodedSegment.parse(segment)),
        RandomSource.seeded(5),
        CLOCK);
  }

  private Tracer childSpans() {
    return tracer(tracing(skyWalking()), true);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String callerSw8() {
    return String.join(
        "-",
        "1",
        b64("trace-abc"),
        b64("segment-parent"),
        "3",
        b64("caller"),
        b64("caller-1"),
        b64("/checkout"),
        b64("front:10000"));
  }

  /** One request through one upstream attempt; returns the headers the upstream got. */
  private static HttpHeaders proxy(RequestSpan span, int status) {
    AttemptSpan attempt = span.startAttempt(1, "orders");
    HttpHeaders upstream = new DefaultHttpHeaders();
    attempt.injectInto(upstream, "/orders/7?x=1", UPSTREAM);
    attempt.finish(new AttemptOutcome("HTTP/1.1", Optional.of(UPSTREAM), status, ""));
    span.finish(
        RequestOutcome.of(status, "", 0, 12)
            .withUpstreamCluster("orders")
            .withResponse(EmptyHttpHeaders.INSTANCE, EmptyHttpHeaders.INSTANCE));
    return upstream;
  }

  @Test
  void aNewTraceIsOneSegmentWithAnEntrySpanAndAnExitSpanPerUpstreamRequest() {
    RequestSpan span =
        childSpans().startRequestSpan(request("GET", "/orders/7?x=1"), "HTTP/1.1", PEER);
    HttpHeaders upstream = proxy(span, 200);

    assertThat(reported).hasSize(1);
    DecodedSegment segment = reported.get(0);
    assertThat(segment.service()).isEqualTo("front");
    assertThat(segment.instance()).isEqualTo("front-1");
    assertThat(segment.traceId()).matches("[0-9a-f-]{36}").isNotEqualTo(segment.segmentId());
    DecodedSegment.Span entry = segment.span(0);
    assertThat(entry.parentSpanId()).isEqualTo(-1);
    assertThat(entry.spanType()).isEqualTo(SkyWalkingSegment.ENTRY);
    assertThat(entry.spanLayer()).isEqualTo(SkyWalkingSegment.LAYER_HTTP);
    assertThat(entry.componentId()).isEqualTo(9000);
    assertThat(entry.operationName()).isEqualTo("/orders/7?x=1");
    assertThat(entry.peer()).isEqualTo("10.1.2.3");
    assertThat(entry.startTime()).isEqualTo(1_700_000_000_123L);
    assertThat(entry.refs()).isEmpty();
    assertThat(entry.tags())
        .containsEntry("url", "http://api.example/orders/7?x=1")
        .containsEntry("status_code", "200")
        .containsEntry("http.method", "GET")
        .containsEntry("upstream_cluster", "orders")
        .doesNotContainKeys("http.url", "http.status_code", "peer.address");
    DecodedSegment.Span exit = segment.span(1);
    assertThat(exit.parentSpanId()).isZero();
    assertThat(exit.spanType()).isEqualTo(SkyWalkingSegment.EXIT);
    assertThat(exit.operationName()).isEqualTo("/orders/7?x=1");
    assertThat(exit.peer()).isEqualTo("10.0.0.5:8080");
    assertThat(exit.tags()).containsEntry("upstream_address", "10.0.0.5:8080");

    assertThat(Sw8Header.parse(upstream.get("sw8")))
        .contains(
            new Sw8Header(
                segment.traceId(),
                segment.segmentId(),
                1,
                "front",
                "front-1",
                "/orders/7?x=1",
                "10.0.0.5:8080"));
    assertThat(upstream.get("sw8")).startsWith("1-");
  }

  @Test
  void anIncomingSw8IsContinuedInANewSegmentWhoseEntrySpanReferencesTheCaller() {
    RequestSpan span =
        childSpans().startRequestSpan(request("GET", "/pay", "sw8", callerSw8()), "HTTP/1.1", PEER);
    span.setOperationName("routeToPayments");
    HttpHeaders upstream = proxy(span, 200);

    DecodedSegment segment = reported.get(0);
    assertThat(segment.traceId()).isEqualTo("trace-abc");
    assertThat(segment.segmentId()).isNotEqualTo("segment-parent");
    DecodedSegment.Ref expected =
        new DecodedSegment.Ref(
            0, "trace-abc", "segment-parent", 3, "caller", "caller-1", "/checkout", "front:10000");
    assertThat(segment.span(0).refs()).containsExactly(expected);
    assertThat(segment.span(1).refs()).isEmpty();
    assertThat(segment.span(0).operationName()).as("Envoy 1.40 keeps the path").isEqualTo("/pay");
    Sw8Header sent = Sw8Header.parse(upstream.get("sw8")).orElseThrow();
    assertThat(sent.traceId()).isEqualTo("trace-abc");
    assertThat(sent.segmentId()).isEqualTo(segment.segmentId());
    assertThat(sent.endpoint()).isEqualTo("/pay");
  }

  @Test
  void withoutAChildSpanNothingIsInjectedAndTheCallersSw8PassesThroughUntouched() {
    Tracer tracer = tracer(tracing(skyWalking()), false);
    var req = request("GET", "/pay", "sw8", callerSw8());
    RequestSpan span = tracer.startRequestSpan(req, "HTTP/1.1", PEER);
    AttemptSpan attempt = span.startAttempt(1, "orders");
    attempt.injectInto(req.headers(), "/pay", UPSTREAM);
    attempt.finish(new AttemptOutcome("HTTP/1.1", Optional.of(UPSTREAM), 200, ""));
    span.finish(RequestOutcome.of(200, "", 0, 0));

    assertThat(req.headers().get("sw8")).isEqualTo(callerSw8());
    assertThat(reported).hasSize(1);
    assertThat(reported.get(0).spans()).extracting(DecodedSegment.Span::spanId).containsExactly(0);
  }

  @Test
  void anUntracedRequestWithoutSw8GetsNoSegmentButOneWithSw8IsReportedWithSkipAnalysis() {
    Tracer tracer = tracer(tracing(skyWalking()).setRandomSampling(percent(0)), true);

    RequestSpan plain = tracer.startRequestSpan(request("GET", "/a"), "HTTP/1.1", PEER);
    assertThat(plain).isSameAs(RequestSpan.NOOP);

    RequestSpan continued =
        tracer.startRequestSpan(request("GET", "/a", "sw8", callerSw8()), "HTTP/1.1", PEER);
    proxy(continued, 200);
    assertThat(reported).hasSize(1);
    assertThat(reported.get(0).span(0).skipAnalysis()).isTrue();
    assertThat(reported.get(0).span(1).skipAnalysis()).isFalse();
  }

  @Test
  void aMalformedSw8MeansNoSpanAndTheHeaderIsLeftAsItCame() {
    for (String bad :
        List.of("2-a-b-0-c-d-e-f", "1-a-b-c", "1-a-b-x-c-d-e-f", "1-!!-b-0-c-d-e-f")) {
      var req = request("GET", "/a", "sw8", bad);
      assertThat(childSpans().startRequestSpan(req, "HTTP/1.1", PEER))
          .as(bad)
          .isSameAs(RequestSpan.NOOP);
      assertThat(req.headers().get("sw8")).isEqualTo(bad);
    }
  }

  @Test
  void anUpstreamErrorMarksTheSpansAsErrorsAndASegmentWaitsForItsLastSpan() {
    RequestSpan span = childSpans().startRequestSpan(request("GET", "/a"), "HTTP/1.1", PEER);
    AttemptSpan attempt = span.startAttempt(1, "orders");
    attempt.injectInto(new DefaultHttpHeaders(), "/a", UPSTREAM);
    span.finish(RequestOutcome.of(503, "UF", 0, 0));
    assertThat(reported).as("the Exit span is still open").isEmpty();

    attempt.finish(new AttemptOutcome("HTTP/1.1", Optional.empty(), 0, "UF"));
    DecodedSegment segment = reported.get(0);
    assertThat(segment.span(0).isError()).isTrue();
    assertThat(segment.span(0).tags()).containsEntry("error", "true");
    assertThat(segment.span(1).isError()).isTrue();
  }

  @Test
  void serviceAndInstanceNamesDefaultToTheNodesClusterAndIdThenToEnvoyProxy()
      throws ConfigException {
    SkyWalkingTracerConfig bare =
        SkyWalkingTracerConfig.from(
            skyWalking().clearClientConfig().build(), "tracing.provider.typed_config");
    assertThat(bare.withNodeDefaults("mesh", "pod-1"))
        .extracting(SkyWalkingTracerConfig::serviceName, SkyWalkingTracerConfig::instanceName)
        .containsExactly("mesh", "pod-1");
    assertThat(bare.withNodeDefaults("", ""))
        .extracting(SkyWalkingTracerConfig::serviceName, SkyWalkingTracerConfig::instanceName)
        .containsExactly("EnvoyProxy", "EnvoyProxy");
    assertThat(bare.maxCacheSize()).isEqualTo(1024);
    assertThat(bare.timeout()).isEqualTo(java.time.Duration.ofMillis(250));
  }

  @Test
  void aGoogleGrpcServiceIsRefusedNamingTheField() {
    SkyWalkingConfig config =
        skyWalking()
            .setGrpcService(
                GrpcService.newBuilder()
                    .setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder().setTargetUri("oap:11800")))
            .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SkyWalkingTracerConfig.from(config, "t"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.grpc_service.google_grpc");
  }
}
