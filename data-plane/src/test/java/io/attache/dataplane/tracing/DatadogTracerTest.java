package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.parse;
import static io.attache.dataplane.tracing.TracingConfigs.percent;
import static io.attache.dataplane.tracing.TracingConfigs.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.tracing.TracingConfigs.RecordingSink;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.envoyproxy.envoy.config.trace.v3.DatadogConfig;
import io.envoyproxy.envoy.config.trace.v3.DatadogRemoteConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Datadog provider's tracer: the datadog and tracecontext propagation styles as dd-trace-cpp
 * reads and writes them, sampling priorities, ids, the MessagePack report body and the 2 s flush on
 * a manual scheduler.
 */
class DatadogTracerTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("10.1.2.3", 51000);
  private static final InetSocketAddress UPSTREAM = new InetSocketAddress("10.0.0.5", 8080);
  private static final long START_SECOND = 1_700_000_000L;
  private static final Clock CLOCK =
      Clock.fixed(Instant.ofEpochSecond(START_SECOND), ZoneOffset.UTC);

  private final RecordingSink sink = new RecordingSink();

  private static HttpConnectionManager.Tracing.Builder tracing(
      UnaryOperator<DatadogConfig.Builder> customise) {
    return HttpConnectionManager.Tracing.newBuilder()
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName(DatadogTracerConfig.PROVIDER_NAME)
                .setTypedConfig(
                    Any.pack(
                        customise
                            .apply(DatadogConfig.newBuilder().setCollectorCluster("datadog_agent"))
                            .build())));
  }

  private Tracer tracer(HttpConnectionManager.Tracing.Builder proto) {
    return new Tracer(
        parse(proto, OperationName.EGRESS).withStartChildSpan(true),
        new LocalInfo("node-1", ""),
        sink,
        RandomSource.seeded(9),
        CLOCK);
  }

  private Tracer tracer() {
    return tracer(tracing(d -> d));
  }

  private static HttpHeaders upstreamOf(RequestSpan span) {
    HttpHeaders headers = new DefaultHttpHeaders();
    AttemptSpan attempt = span.startAttempt(1, "service1");
    attempt.injectInto(headers, "/", UPSTREAM);
    attempt.finish(new AttemptOutcome("HTTP/1.1", Optional.of(UPSTREAM), 200, ""));
    return headers;
  }

  @Test
  void aDatadogContextIsContinuedWithItsPriorityAndTheUpstreamGetsBothStylesNamingTheChildSpan() {
    RequestSpan span =
        tracer()
            .startRequestSpan(
                request(
                    "GET",
                    "/",
                    "x-datadog-trace-id",
                    "1234567890123",
                    "x-datadog-parent-id",
                    "987654321",
                    "x-datadog-sampling-priority",
                    "2",
                    "x-datadog-tags",
                    "_dd.p.tid=6566a3e600000000,_dd.p.dm=-4"),
                "HTTP/1.1",
                PEER);
    HttpHeaders upstream = upstreamOf(span);
    span.finish(RequestOutcome.of(200, "", 0, 0));

    SpanData child = sink.spans.get(0);
    SpanData root = sink.spans.get(1);
    String low = Propagation.hex16(1234567890123L);
    assertThat(root.traceId()).isEqualTo("6566a3e600000000" + low);
    assertThat(root.parentSpanId()).isEqualTo(Propagation.hex16(987654321L));
    assertThat(child.parentSpanId()).isEqualTo(root.spanId());
    assertThat(child.traceId()).isEqualTo(root.traceId());
    assertThat(root.name()).isEqualTo("egress api.example");
    assertThat(child.name()).isEqualTo("router service1 egress");
    long childId = Long.parseUnsignedLong(child.spanId(), 16);
    assertThat(childId).isPositive();
    assertThat(
            Map.of(
                "x-datadog-trace-id", upstream.get("x-datadog-trace-id"),
                "x-datadog-parent-id", upstream.get("x-datadog-parent-id"),
                "x-datadog-sampling-priority", upstream.get("x-datadog-sampling-priority"),
                "x-datadog-tags", upstream.get("x-datadog-tags"),
                "traceparent", upstream.get("traceparent"),
                "tracestate", upstream.get("tracestate")))
        .isEqualTo(
            Map.of(
                "x-datadog-trace-id",
                "1234567890123",
                "x-datadog-parent-id",
                Long.toString(childId),
                "x-datadog-sampling-priority",
                "2",
                "x-datadog-tags",
                "_dd.p.tid=6566a3e600000000,_dd.p.dm=-0",
                "traceparent",
                "00-6566a3e600000000" + low + "-" + child.spanId() + "-01",
                "tracestate",
                "dd=s:2;p:" + child.spanId() + ";t.dm:-0"));
  }

  @Test
  void aTraceparentIsContinuedWhenNoDatadogHeadersCame() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    RequestSpan span =
        tracer()
            .startRequestSpan(
                request(
                    "GET", "/",
                    "traceparent", "00-" + trace + "-00f067aa0ba902b7-00",
                    "tracestate", "dd=s:-1;p:00f067aa0ba902b7,other=x"),
                "HTTP/1.1",
                PEER);
    HttpHeaders upstream = upstreamOf(span);

    assertThat(span.traceId()).isEqualTo(trace);
    assertThat(upstream.get("x-datadog-trace-id"))
        .isEqualTo(Long.toUnsignedString(Long.parseUnsignedLong("a3ce929d0e0e4736", 16)));
    assertThat(upstream.get("x-datadog-sampling-priority")).isEqualTo("-1");
    assertThat(upstream.get("traceparent")).endsWith("-00");
    assertThat(upstream.get("x-datadog-tags")).isEqualTo("_dd.p.tid=4bf92f3577b34da6");
  }

  @Test
  void aNewTraceHasTheStartSecondInItsHighBitsAndEnvoysSamplingDecisionAsItsPriority() {
    RequestSpan kept = tracer().startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER);
    assertThat(kept.traceId()).startsWith(Long.toHexString(START_SECOND) + "00000000");
    assertThat(upstreamOf(kept).get("x-datadog-sampling-priority")).isEqualTo("1");

    RequestSpan dropped =
        tracer(tracing(d -> d).setRandomSampling(percent(0)))
            .startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER);
    HttpHeaders upstream = upstreamOf(dropped);
    assertThat(upstream.get("x-datadog-sampling-priority")).isEqualTo("-1");
    assertThat(upstream.get("x-datadog-tags")).doesNotContain("_dd.p.dm");
  }

  @Test
  void malformedDatadogHeadersStartANewTrace() {
    for (String bad : List.of("abc", "0", "-5", "99999999999999999999999")) {
      RequestSpan span =
          tracer()
              .startRequestSpan(
                  request("GET", "/", "x-datadog-trace-id", bad, "x-datadog-parent-id", "7"),
                  "HTTP/1.1",
                  PEER);
      assertThat(span.traceId()).as(bad).startsWith(Long.toHexString(START_SECOND));
    }
  }

  @Test
  void theReportBodyIsMessagePackTracesOfDatadogSpans() {
    RequestSpan span =
        tracer()
            .startRequestSpan(
                request("GET", "/", "x-datadog-trace-id", "42", "x-datadog-parent-id", "7"),
                "HTTP/1.1",
                PEER);
    span.setOperationName("checkout");
    upstreamOf(span);
    span.finish(RequestOutcome.of(503, "UF", 0, 0));

    @SuppressWarnings("unchecked")
    List<List<Map<String, Object>>> traces =
        (List<List<Map<String, Object>>>)
            MsgPackReader.decode(DatadogReporter.encode(List.of(sink.spans), "envoy-demo"));
    assertThat(traces).hasSize(1);
    Map<String, Object> root = traces.get(0).get(1);
    assertThat(root)
        .containsEntry("service", "envoy-demo")
        .containsEntry("name", "envoy.proxy")
        .containsEntry("resource", "checkout")
        .containsEntry("type", "web")
        .containsEntry("trace_id", 42L)
        .containsEntry("parent_id", 7L)
        .containsEntry("error", 1L)
        .containsEntry("start", START_SECOND * 1_000_000_000L)
        .containsEntry("duration", 0L)
        .containsEntry("metrics", Map.of("_sampling_priority_v1", 1.0));
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) root.get("meta");
    assertThat(meta)
        .containsEntry("http.status_code", "503")
        .containsEntry("response_flags", "UF")
        .containsEntry("_dd.p.dm", "-0")
        .doesNotContainKeys("error", "_dd.p.tid");
    assertThat(traces.get(0).get(0).get("parent_id")).isEqualTo(root.get("span_id"));
  }

  @Test
  void spansWaitForTheTwoSecondFlushTimer() {
    ManualScheduler scheduler = new ManualScheduler();
    List<List<SpanData>> batches = new ArrayList<>();
    StatsStore stats = new StatsStore();
    BatchingSpanExporter exporter =
        new BatchingSpanExporter(
            DatadogReporter.PREFIX,
            new BatchingSpanExporter.BatchSender() {
              @Override
              public void send(List<SpanData> batch) {
                batches.add(batch);
              }

              @Override
              public void close() {}
            },
            stats,
            scheduler,
            Runnable::run,
            () -> DatadogReporter.SETTINGS,
            DatadogReporter.SETTINGS.maxQueuedSpans(),
            () -> {});
    Tracer tracer =
        new Tracer(
            parse(tracing(d -> d), OperationName.INGRESS),
            LocalInfo.UNKNOWN,
            exporter,
            RandomSource.seeded(1),
            CLOCK);
    for (int i = 0; i < 5; i++) {
      tracer
          .startRequestSpan(request("GET", "/"), "HTTP/1.1", PEER)
          .finish(RequestOutcome.of(200, "", 0, 0));
    }
    assertThat(batches).isEmpty();
    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofSeconds(2));

    scheduler.runPending();
    assertThat(batches).singleElement().satisfies(b -> assertThat(b).hasSize(5));
    assertThat(stats.counter("tracing.datadog.timer_flushed").value()).isEqualTo(1);
  }

  @Test
  void remoteConfigIsRefusedNamingTheFieldAndTheDefaultsAreEnvoys() throws ConfigException {
    assertThatThrownBy(
            () ->
                DatadogTracerConfig.from(
                    DatadogConfig.newBuilder()
                        .setCollectorCluster("agent")
                        .setRemoteConfig(
                            DatadogRemoteConfig.newBuilder()
                                .setPollingInterval(Duration.newBuilder().setSeconds(5)))
                        .build(),
                    "t"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("t.remote_config");
    assertThat(
            DatadogTracerConfig.from(
                DatadogConfig.newBuilder().setCollectorCluster("agent").build(), "t"))
        .isEqualTo(new DatadogTracerConfig("agent", "agent", "envoy"));
  }
}
