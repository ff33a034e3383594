package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;

/** Zipkin reports: batching on virtual time by Envoy's runtime keys, and the two encodings. */
class ZipkinReportsTest {
  private static final ZipkinSpans.LocalEndpoint LOCAL =
      new ZipkinSpans.LocalEndpoint("envoy-proxy-1", InetAddress.getLoopbackAddress());

  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<List<SpanData>> batches = new ArrayList<>();

  private static SpanData span(String name, SpanKind kind, String parent) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("http.method", "GET");
    tags.put("component", "proxy");
    return new SpanData(
        "463ac35c9f6413ad",
        "a2fb4a1d1a96d312",
        parent,
        "",
        name,
        kind,
        1_700_000_000_123_456_789L,
        1_700_000_000_125_456_789L,
        tags);
  }

  private BatchingSpanExporter exporter(RuntimeSnapshot runtime) {
    return new BatchingSpanExporter(
        ZipkinReporter.PREFIX,
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
        () -> ZipkinReporter.settings(runtime),
        16,
        () -> {});
  }

  private static RuntimeSnapshot runtime(Map<String, Double> values) throws Exception {
    Struct.Builder layer = Struct.newBuilder();
    values.forEach((k, v) -> layer.putFields(k, Value.newBuilder().setNumberValue(v).build()));
    return RuntimeSnapshot.from(
        LayeredRuntime.newBuilder()
            .addLayers(RuntimeLayer.newBuilder().setName("static").setStaticLayer(layer))
            .build(),
        "layered_runtime");
  }

  @Test
  void fiveSpansMakeAReportAndTheFiveSecondTimerSendsTheRestByEnvoysDefaults() {
    BatchingSpanExporter exporter = exporter(RuntimeSnapshot.EMPTY);
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(5));
    for (int i = 0; i < 7; i++) {
      exporter.accept(span("s" + i, SpanKind.SERVER, ""));
    }
    assertThat(batches).extracting(List::size).containsExactly(5);

    scheduler.runPending();

    assertThat(batches).extracting(List::size).containsExactly(5, 2);
    assertThat(stats.counter("tracing.zipkin.spans_sent").value()).isEqualTo(7);
    assertThat(stats.counter("tracing.zipkin.timer_flushed").value()).isEqualTo(1);
    exporter.close();
    assertThat(scheduler.pending()).isEmpty();
  }

  @Test
  void minFlushSpansAndFlushIntervalComeFromTheRuntime() throws Exception {
    BatchingSpanExporter exporter =
        exporter(
            runtime(
                Map.of(
                    "tracing.zipkin.min_flush_spans", 2.0,
                    "tracing.zipkin.flush_interval_ms", 250.0)));
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofMillis(250));

    exporter.accept(span("a", SpanKind.SERVER, ""));
    assertThat(batches).isEmpty();
    exporter.accept(span("b", SpanKind.SERVER, ""));

    assertThat(batches).extracting(List::size).containsExactly(2);
    exporter.close();
  }

  @Test
  void spansThatFinishBeforeTheExportThreadRunsStillGoInReportsOfMinFlushSpansEach()
      throws Exception {
    java.util.ArrayDeque<Runnable> exportThread = new java.util.ArrayDeque<>();
    BatchingSpanExporter exporter =
        new BatchingSpanExporter(
            ZipkinReporter.PREFIX,
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
            exportThread::add,
            () -> ZipkinReporter.settings(runtimeWithMinFlush(2)),
            16,
            () -> {});
    for (int i = 0; i < 5; i++) {
      exporter.accept(span("s" + i, SpanKind.SERVER, ""));
    }
    while (!exportThread.isEmpty()) {
      exportThread.poll().run();
    }

    assertThat(batches).as("Envoy flushes at the second span, and at the fourth").hasSize(2);
    assertThat(batches).extracting(List::size).containsExactly(2, 2);

    scheduler.runPending();
    exportThread.poll().run();
    assertThat(batches).extracting(List::size).containsExactly(2, 2, 1);
    assertThat(stats.counter("tracing.zipkin.spans_sent").value()).isEqualTo(5);
  }

  private static RuntimeSnapshot runtimeWithMinFlush(int spans) {
    try {
      return runtime(Map.of("tracing.zipkin.min_flush_spans", (double) spans));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void jsonReportsAreZipkinV2SpansWithEnvoysFields() {
    String json =
        new String(
            ZipkinSpans.encode(
                List.of(
                    span("ingress", SpanKind.SERVER, ""),
                    span("router backend egress", SpanKind.CLIENT, "0020000000000001")),
                ZipkinTracerConfig.Encoding.JSON_V2,
                LOCAL,
                true),
            StandardCharsets.UTF_8);

    assertThat(json)
        .startsWith("[{\"traceId\":\"463ac35c9f6413ad\",\"id\":\"a2fb4a1d1a96d312\"")
        .contains("\"timestamp\":1700000000123456,\"duration\":2000")
        .contains("\"localEndpoint\":{\"ipv4\":\"127.0.0.1\",\"port\":0,\"serviceName\":")
        .contains("\"name\":\"router backend egress\"");
    List<Span> decoded = SpanBytesDecoder.JSON_V2.decodeList(json.getBytes(StandardCharsets.UTF_8));
    assertThat(decoded).hasSize(2);
    Span server = decoded.get(0);
    assertThat(server.kind()).isEqualTo(Span.Kind.SERVER);
    assertThat(server.shared()).isTrue();
    assertThat(server.parentId()).isNull();
    assertThat(server.localServiceName()).isEqualTo("envoy-proxy-1");
    assertThat(server.tags()).containsEntry("http.method", "GET");
    Span client = decoded.get(1);
    assertThat(client.kind()).isEqualTo(Span.Kind.CLIENT);
    assertThat(client.shared()).isNull();
    assertThat(client.parentId()).isEqualTo("0020000000000001");
  }

  @Test
  void withoutSharedSpanContextNoSpanIsReportedShared() {
    String json =
        new String(
            ZipkinSpans.encode(
                List.of(span("ingress", SpanKind.SERVER, "")),
                ZipkinTracerConfig.Encoding.JSON_V2,
                LOCAL,
                false),
            StandardCharsets.UTF_8);
    assertThat(json).doesNotContain("shared");
  }

  @Test
  void protoReportsDecodeAsZipkinProto3ListOfSpansWithEnvoysByteOrderForSpanIds() {
    byte[] proto =
        ZipkinSpans.encode(
            List.of(
                span("ingress", SpanKind.SERVER, ""),
                span("router App egress", SpanKind.CLIENT, "0020000000000001")),
            ZipkinTracerConfig.Encoding.PROTO3,
            LOCAL,
            true);

    List<Span> decoded = SpanBytesDecoder.PROTO3.decodeList(proto);
    // Envoy writes span and parent ids as the bytes of a little-endian uint64_t, the trace id
    // big-endian: a collector reads the former byte-reversed.
    assertThat(decoded)
        .extracting(Span::traceId, Span::id, Span::kind, Span::timestamp, Span::duration)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "463ac35c9f6413ad", "12d3961a1d4afba2", Span.Kind.SERVER, 1700000000123456L, 2000L),
            org.assertj.core.groups.Tuple.tuple(
                "463ac35c9f6413ad",
                "12d3961a1d4afba2",
                Span.Kind.CLIENT,
                1700000000123456L,
                2000L));
    assertThat(decoded.get(0).shared()).isTrue();
    assertThat(decoded.get(1).parentId()).isEqualTo("0100000000002000");
    assertThat(decoded.get(0).localEndpoint().ipv4()).isEqualTo("127.0.0.1");
    assertThat(DecodedZipkinSpan.proto3(proto))
        .extracting(DecodedZipkinSpan::name)
        .as("names as given: Zipkin's own decoder lowercases them, Envoy does not")
        .containsExactly("ingress", "router App egress");
  }

  @Test
  void aTagWithAnEmptyValueIsLeftOutAsEnvoysZipkinSpanDropsIt() {
    SpanData withEmpty = span("ingress", SpanKind.SERVER, "");
    withEmpty =
        new SpanData(
            withEmpty.traceId(),
            withEmpty.spanId(),
            withEmpty.parentSpanId(),
            withEmpty.traceState(),
            withEmpty.name(),
            withEmpty.kind(),
            withEmpty.startEpochNanos(),
            withEmpty.endEpochNanos(),
            java.util.Map.of("zone", "", "node_id", "n1"));
    for (ZipkinTracerConfig.Encoding encoding : ZipkinTracerConfig.Encoding.values()) {
      byte[] body = ZipkinSpans.encode(List.of(withEmpty), encoding, LOCAL, true);
      assertThat(DecodedZipkinSpan.parse(encoding.contentType(), body))
          .singleElement()
          .extracting(DecodedZipkinSpan::tags)
          .isEqualTo(java.util.Map.of("node_id", "n1"));
    }
  }
}
