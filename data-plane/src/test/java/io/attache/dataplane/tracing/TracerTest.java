package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.parse;
import static io.attache.dataplane.tracing.TracingConfigs.percent;
import static io.attache.dataplane.tracing.TracingConfigs.request;
import static io.attache.dataplane.tracing.TracingConfigs.tracing;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.tracing.TracingConfigs.RecordingSink;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TracerTest {
  private static final String INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final InetSocketAddress PEER = new InetSocketAddress("10.1.2.3", 51000);
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);

  private final RecordingSink sink = new RecordingSink();

  private Tracer tracer(HttpConnectionManager.Tracing.Builder proto, RandomSource random) {
    return new Tracer(
        parse(proto, OperationName.INGRESS),
        new LocalInfo("node-1", "zone-a"),
        sink,
        random,
        CLOCK);
  }

  private static HttpHeaders upstreamHeadersOf(RequestSpan span) {
    HttpHeaders headers = new DefaultHttpHeaders();
    span.injectInto(headers);
    return headers;
  }

  @Test
  void continuesAnIncomingTraceWithANewSpanWhoseParentIsTheCaller() {
    HttpRequest req =
        request("GET", "/orders", "traceparent", INCOMING, "tracestate", "congo=t61rcWkgMzE");
    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(42)).startRequestSpan(req, "HTTP/1.1", PEER);

    assertThat(span.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(span.spanId()).hasSize(16).isNotEqualTo("00f067aa0ba902b7");
    HttpHeaders upstream = upstreamHeadersOf(span);
    assertThat(upstream.get("traceparent"))
        .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + span.spanId() + "-01");
    assertThat(upstream.get("tracestate")).isEqualTo("congo=t61rcWkgMzE");

    span.finish(RequestOutcome.of(200, "-", 0, 12));
    SpanData data = sink.spans.get(0);
    assertThat(data.parentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(data.traceState()).isEqualTo("congo=t61rcWkgMzE");
  }

  @Test
  void startsATraceWithIdsFromTheInjectedRandomSource() {
    RandomSource random = RandomSource.seeded(7);
    RandomSource expected = RandomSource.seeded(7);
    expected.nextLong(10_000); // the sampling roll comes first
    String traceId = hex(expected.nextLong()) + hex(expected.nextLong());
    String spanId = hex(expected.nextLong());

    RequestSpan span =
        tracer(tracing(), random).startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER);

    assertThat(span.traceId()).isEqualTo(traceId);
    assertThat(span.spanId()).isEqualTo(spanId);
    assertThat(upstreamHeadersOf(span).get("tracestate"))
        .as("sent empty on a new trace, as Envoy's OpenTelemetry span does")
        .isEmpty();
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans.get(0).parentSpanId()).isEmpty();
  }

  private static String hex(long value) {
    return String.format("%016x", value);
  }

  @Test
  void replacesAnInvalidTraceparentWithANewTraceAndNeverForwardsIt() {
    String invalid = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    HttpRequest req = request("GET", "/", "traceparent", invalid, "tracestate", "congo=x");

    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(1)).startRequestSpan(req, "HTTP/1.1", PEER);

    assertThat(req.headers().contains("traceparent")).isFalse();
    assertThat(req.headers().contains("tracestate")).isFalse();
    assertThat(span.traceId()).isNotEqualToIgnoringCase("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(upstreamHeadersOf(span).get("traceparent"))
        .startsWith("00-" + span.traceId() + "-" + span.spanId());
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans.get(0).parentSpanId()).isEmpty();
  }

  @Test
  void followsAnUnsampledParentAndExportsNothing() {
    String unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(1))
            .startRequestSpan(request("GET", "/", "traceparent", unsampled), "HTTP/1.1", PEER);

    assertThat(span.sampled()).isFalse();
    assertThat(upstreamHeadersOf(span).get("traceparent")).endsWith("-00");
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans).isEmpty();
  }

  @Test
  void samplesExactlyTheRequestsWhoseSeededRollFallsUnderTheRandomSamplingShare() {
    long seed = 20_261_206L;
    Tracer tracer = tracer(tracing().setRandomSampling(percent(25)), RandomSource.seeded(seed));
    // The oracle: the same generator (RandomSource.seeded wraps SplittableRandom) drawn as a
    // request
    // without trace context draws — Envoy's one roll in [0, 10000) for the sampling decision, then
    // a 128-bit trace id and a 64-bit span id — and sampled when the roll is under 25 % of 10000.
    java.util.SplittableRandom reference = new java.util.SplittableRandom(seed);
    int n = 20_000;
    StringBuilder sampled = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < n; i++) {
      boolean traced = tracer.startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER).sampled();
      sampled.append(traced ? 'y' : 'n');
      long roll = reference.nextLong(10_000);
      reference.nextLong(); // trace id, high half
      reference.nextLong(); // trace id, low half
      reference.nextLong(); // span id
      expected.append(roll < 2_500 ? 'y' : 'n');
    }
    assertThat(sampled.toString()).isEqualTo(expected.toString()).contains("y", "n");
  }

  @Test
  void decidesClientForcedThenServiceForcedThenRandomThenCapsByOverall() {
    SamplingPolicy policy = new SamplingPolicy(10_000, 0, 5_000);
    HttpHeaders client = new DefaultHttpHeaders().add("x-client-trace-id", "abc");
    HttpHeaders forced = new DefaultHttpHeaders().add("x-envoy-force-trace", "true");
    HttpHeaders plain = new DefaultHttpHeaders();
    io.attache.dataplane.upstream.ScriptedRandom random =
        new io.attache.dataplane.upstream.ScriptedRandom();

    // roll 100 is inside overall (50%); the client draw 9_999 is inside client_sampling (100%).
    assertThat(policy.decide(client, random.then(100, 9_999))).isEqualTo(TraceReason.CLIENT_FORCED);
    assertThat(policy.decide(forced, random.then(100))).isEqualTo(TraceReason.SERVICE_FORCED);
    assertThat(policy.decide(plain, random.then(100)))
        .as("random_sampling is 0%")
        .isEqualTo(TraceReason.NOT_TRACEABLE);
    // roll 6_000 is outside overall_sampling: even a client-forced request is not traced.
    assertThat(policy.decide(client, random.then(6_000, 0))).isEqualTo(TraceReason.NOT_TRACEABLE);
  }

  @Test
  void clientSamplingLimitsHowOftenXClientTraceIdForcesATrace() {
    SamplingPolicy policy = new SamplingPolicy(1_000, 0, 10_000);
    HttpHeaders client = new DefaultHttpHeaders().add("x-client-trace-id", "abc");
    io.attache.dataplane.upstream.ScriptedRandom random =
        new io.attache.dataplane.upstream.ScriptedRandom();
    assertThat(policy.decide(client, random.then(0, 999))).isEqualTo(TraceReason.CLIENT_FORCED);
    assertThat(policy.decide(client, random.then(0, 1_000))).isEqualTo(TraceReason.NOT_TRACEABLE);
  }

  @Test
  void tagsTheDownstreamSpanAsEnvoyDoes() {
    HttpRequest req =
        request(
            "POST",
            "/api/v1/orders?id=1",
            "x-request-id",
            "rid-1",
            "user-agent",
            "curl/8",
            "x-envoy-downstream-service-cluster",
            "web",
            "x-client-trace-id",
            "client-1");
    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(3)).startRequestSpan(req, "HTTP/2", PEER);
    span.finish(RequestOutcome.of(503, "UF", 42, 99).withUpstreamCluster("orders"));

    SpanData data = sink.spans.get(0);
    assertThat(data.name()).isEqualTo("ingress");
    assertThat(data.kind()).isEqualTo(SpanKind.SERVER);
    assertThat(data.startEpochNanos()).isEqualTo(1_700_000_000_000_000_000L);
    assertThat(data.attributes())
        .containsEntry("node_id", "node-1")
        .containsEntry("zone", "zone-a")
        .containsEntry("guid:x-request-id", "rid-1")
        .containsEntry("http.url", "http://api.example/api/v1/orders?id=1")
        .containsEntry("http.method", "POST")
        .containsEntry("downstream_cluster", "web")
        .containsEntry("user_agent", "curl/8")
        .containsEntry("http.protocol", "HTTP/2")
        .containsEntry("peer.address", "10.1.2.3")
        .containsEntry("guid:x-client-trace-id", "client-1")
        .containsEntry("request_size", "42")
        .containsEntry("response_size", "99")
        .containsEntry("component", "proxy")
        .containsEntry("upstream_cluster", "orders")
        .containsEntry("upstream_cluster.name", "orders")
        .containsEntry("http.status_code", "503")
        .containsEntry("response_flags", "UF")
        .containsEntry("error", "true");
  }

  @Test
  void cutsTheUrlPathAtMaxPathTagLengthAndMarksNoResponseAsAnError() {
    RequestSpan span =
        tracer(tracing().setMaxPathTagLength(UInt32Value.of(4)), RandomSource.seeded(3))
            .startRequestSpan(request("GET", "/abcdefgh"), "HTTP/1.1", PEER);
    span.finish(RequestOutcome.of(0, "DC", 0, 0));

    assertThat(sink.spans.get(0).attributes())
        .containsEntry("http.url", "http://api.example/abc")
        .containsEntry("http.status_code", "0")
        .containsEntry("user_agent", "-")
        .containsEntry("downstream_cluster", "-")
        .containsEntry("error", "true");
  }

  @Test
  void tagsGrpcRequestsAndServerSideGrpcErrors() {
    HttpRequest req =
        request("POST", "/pkg.Svc/Call", "content-type", "application/grpc", "grpc-timeout", "1S");
    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(3)).startRequestSpan(req, "HTTP/2", PEER);
    HttpHeaders trailers =
        new DefaultHttpHeaders().add("grpc-status", "14").add("grpc-message", "down");
    span.finish(RequestOutcome.of(200, "-", 0, 0).withResponse(new DefaultHttpHeaders(), trailers));

    assertThat(sink.spans.get(0).attributes())
        .containsEntry("grpc.path", "/pkg.Svc/Call")
        .containsEntry("grpc.authority", "api.example")
        .containsEntry("grpc.content_type", "application/grpc")
        .containsEntry("grpc.timeout", "1S")
        .containsEntry("grpc.status_code", "14")
        .containsEntry("grpc.message", "down")
        .containsEntry("error", "true");
  }

  @Test
  void addsLiteralEnvironmentAndRequestHeaderCustomTags() {
    HttpConnectionManager.Tracing.Builder proto =
        tracing()
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("team")
                    .setLiteral(CustomTag.Literal.newBuilder().setValue("payments")))
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("pod")
                    .setEnvironment(CustomTag.Environment.newBuilder().setName("POD")))
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("region")
                    .setEnvironment(
                        CustomTag.Environment.newBuilder()
                            .setName("MISSING")
                            .setDefaultValue("eu-1")))
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("tenant")
                    .setRequestHeader(CustomTag.Header.newBuilder().setName("X-Tenant")))
            .addCustomTags(
                CustomTag.newBuilder()
                    .setTag("absent")
                    .setRequestHeader(CustomTag.Header.newBuilder().setName("x-absent")));
    RequestSpan span =
        tracer(proto, RandomSource.seeded(3))
            .startRequestSpan(request("GET", "/", "x-tenant", "acme"), "HTTP/1.1", PEER);
    span.finish(RequestOutcome.of(200, "-", 0, 0));

    assertThat(sink.spans.get(0).attributes())
        .containsEntry("team", "payments")
        .containsEntry("pod", "pod-7")
        .containsEntry("region", "eu-1")
        .containsEntry("tenant", "acme")
        .doesNotContainKey("absent");
  }

  @Test
  void spawnsOneClientSpanPerAttemptWhenSpawnUpstreamSpanIsSet() {
    Tracer tracer =
        tracer(tracing().setSpawnUpstreamSpan(BoolValue.of(true)), RandomSource.seeded(5));
    RequestSpan span =
        tracer.startRequestSpan(request("GET", "/", "traceparent", INCOMING), "HTTP/1.1", PEER);

    AttemptSpan first = span.startAttempt(1, "orders");
    HttpHeaders firstHeaders = new DefaultHttpHeaders();
    first.injectInto(firstHeaders);
    first.finish(
        new AttemptOutcome(
            "HTTP/1.1", Optional.of(new InetSocketAddress("10.0.0.5", 9211)), 503, "-"));
    AttemptSpan second = span.startAttempt(2, "orders");
    HttpHeaders secondHeaders = new DefaultHttpHeaders();
    second.injectInto(secondHeaders);
    second.finish(
        new AttemptOutcome(
            "HTTP/1.1", Optional.of(new InetSocketAddress("10.0.0.6", 9211)), 200, "-"));
    span.finish(RequestOutcome.of(200, "-", 0, 0).withUpstreamCluster("orders"));

    assertThat(sink.spans).hasSize(3);
    SpanData a1 = sink.spans.get(0);
    SpanData a2 = sink.spans.get(1);
    SpanData downstream = sink.spans.get(2);
    assertThat(downstream.kind()).isEqualTo(SpanKind.SERVER);
    assertThat(a1.name()).isEqualTo("router orders egress");
    assertThat(a1.kind()).isEqualTo(SpanKind.CLIENT);
    assertThat(a1.parentSpanId()).isEqualTo(downstream.spanId());
    assertThat(a2.parentSpanId()).isEqualTo(downstream.spanId());
    assertThat(a1.spanId()).isNotEqualTo(a2.spanId());
    assertThat(a1.attributes())
        .doesNotContainKey("retry.count")
        .containsEntry("upstream_address", "10.0.0.5:9211")
        .containsEntry("peer.address", "10.0.0.5:9211")
        .containsEntry("http.status_code", "503")
        .containsEntry("error", "true");
    assertThat(a2.attributes()).containsEntry("retry.count", "1");
    assertThat(firstHeaders.get("traceparent")).contains("-" + a1.spanId() + "-");
    assertThat(secondHeaders.get("traceparent")).contains("-" + a2.spanId() + "-");
  }

  @Test
  void injectsTheRequestSpanIntoEveryAttemptWithoutSpawnUpstreamSpan() {
    Tracer tracer =
        new Tracer(
            parse(tracing(), OperationName.EGRESS),
            LocalInfo.UNKNOWN,
            sink,
            RandomSource.seeded(5),
            CLOCK);
    RequestSpan span = tracer.startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER);

    AttemptSpan attempt = span.startAttempt(2, "orders");
    HttpHeaders headers = new DefaultHttpHeaders();
    attempt.injectInto(headers);
    attempt.finish(new AttemptOutcome("HTTP/1.1", Optional.empty(), 0, "UF"));
    span.finish(RequestOutcome.of(200, "-", 0, 0));

    assertThat(headers.get("traceparent")).contains("-" + span.spanId() + "-");
    assertThat(sink.spans).hasSize(1);
    assertThat(sink.spans.get(0).name()).isEqualTo("egress api.example");
    assertThat(sink.spans.get(0).kind())
        .as("egress without upstream spans")
        .isEqualTo(SpanKind.CLIENT);
  }

  @Test
  void aDisabledTracerLeavesTraceHeadersAlone() {
    HttpRequest req = request("GET", "/", "traceparent", "not-valid");
    RequestSpan span = Tracer.DISABLED.startRequestSpan(req, "HTTP/1.1", PEER);

    span.injectInto(req.headers());
    span.startAttempt(1, "orders").injectInto(req.headers());
    span.finish(RequestOutcome.of(200, "-", 0, 0));

    assertThat(req.headers().get("traceparent")).isEqualTo("not-valid");
    assertThat(
            Tracer.forConfig(Optional.empty(), LocalInfo.UNKNOWN, sink, RandomSource.SYSTEM, CLOCK))
        .isSameAs(Tracer.DISABLED);
  }

  @Test
  void aRouteDecoratorRenamesTheSpan() {
    RequestSpan span =
        tracer(tracing(), RandomSource.seeded(3))
            .startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER);
    span.setOperationName("checkout");
    span.finish(RequestOutcome.of(200, "-", 0, 0));
    assertThat(sink.spans.get(0).name()).isEqualTo("checkout");
  }
}
