package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.parse;
import static io.attache.dataplane.tracing.TracingConfigs.request;
import static io.attache.dataplane.tracing.TracingConfigs.tracing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.BoolValue;
import io.attache.dataplane.server.RunningTestClusters;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exports real spans over OTLP/gRPC to a TraceService receiver this test starts on loopback, and
 * checks what the receiver got: span count, trace id, parent ids and attributes.
 */
class OtlpExportIT {
  private static final String INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String INCOMING_PARENT = "00f067aa0ba902b7";

  private final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
  private final List<String> tenantHeaders = new CopyOnWriteArrayList<>();
  private Server collector;
  private BatchingSpanExporter exporter;
  private RunningTestClusters clusters;
  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();

  @BeforeEach
  void startCollector() throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(OtlpTraceService.SERVICE_NAME)
            .addMethod(
                OtlpTraceService.EXPORT,
                ServerCalls.asyncUnaryCall(
                    (request, observer) -> {
                      received.addAll(request.resourceSpans());
                      observer.onNext(OtlpTraceService.ExportResponse.OK);
                      observer.onCompleted();
                    }))
            .build();
    ServerInterceptor recordTenant =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String tenant =
                headers.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER));
            tenantHeaders.add(tenant == null ? "<none>" : tenant);
            return next.startCall(call, headers);
          }
        };
    collector =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service, recordTenant))
            .build()
            .start();
  }

  @AfterEach
  void stop() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
    if (clusters != null) {
      clusters.close();
    }
    collector.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  private BatchingSpanExporter exporterTo(OtlpExporterConfig config) throws Exception {
    clusters =
        RunningTestClusters.start(
            ProxyHarness.staticCluster(
                config.clusterName(), "http2_protocol_options: {}", collector.getPort()),
            stats);
    return new BatchingSpanExporter(
        config.serviceName(),
        new GrpcOtlpTraceClient(config, clusters::get, clusters.loop()),
        stats,
        scheduler,
        java.util.concurrent.Executors.newSingleThreadExecutor(),
        BatchingSpanExporter.Settings.DEFAULTS);
  }

  private static String hex(com.google.protobuf.ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  private static Map<String, String> attributes(Span span) {
    return span.getAttributesList().stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
  }

  @Test
  void theCollectorReceivesTheRequestAndAttemptSpansOfOneTrace() throws Exception {
    TracingConfig config =
        parse(tracing().setSpawnUpstreamSpan(BoolValue.of(true)), OperationName.INGRESS);
    OtlpExporterConfig exporterConfig =
        OtlpExporterConfig.grpc(
            "otel-collector",
            "",
            Duration.ofSeconds(5),
            List.of(
                io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                    .setKey("x-tenant")
                    .setValue("acme")
                    .build()),
            "attache-it");
    exporter = exporterTo(exporterConfig);
    Tracer tracer =
        new Tracer(
            config,
            new LocalInfo("node-it", "zone-it"),
            exporter,
            RandomSource.seeded(11),
            Clock.systemUTC());

    // Two requests of the same trace, each with two attempts: 6 spans, past the batch size of 5.
    for (int i = 0; i < 2; i++) {
      RequestSpan span =
          tracer.startRequestSpan(
              request(
                  "GET",
                  "/orders/" + i,
                  "traceparent",
                  "00-" + INCOMING_TRACE + "-" + INCOMING_PARENT + "-01",
                  "x-request-id",
                  "rid-" + i),
              "HTTP/1.1",
              new InetSocketAddress("127.0.0.1", 40000));
      for (int attempt = 1; attempt <= 2; attempt++) {
        AttemptSpan a = span.startAttempt(attempt, "orders");
        HttpHeaders upstream = new DefaultHttpHeaders();
        a.injectInto(upstream);
        a.finish(
            new AttemptOutcome(
                "HTTP/1.1",
                Optional.of(new InetSocketAddress("127.0.0.1", 8080 + attempt)),
                attempt == 1 ? 503 : 200,
                "-"));
      }
      span.finish(RequestOutcome.of(200, "-", 10, 20).withUpstreamCluster("orders"));
    }
    // The sixth span waits for the flush timer; fire it by hand.
    scheduler.runPending();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> received.stream().mapToInt(r -> r.getScopeSpans(0).getSpansCount()).sum() == 6);

    List<Span> spans =
        received.stream().flatMap(r -> r.getScopeSpans(0).getSpansList().stream()).toList();
    assertThat(received)
        .allSatisfy(
            r -> {
              assertThat(r.getResource().getAttributes(0).getKey()).isEqualTo("service.name");
              assertThat(r.getResource().getAttributes(0).getValue().getStringValue())
                  .isEqualTo("attache-it");
            });
    assertThat(spans).allSatisfy(s -> assertThat(hex(s.getTraceId())).isEqualTo(INCOMING_TRACE));

    List<Span> downstream =
        spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).toList();
    List<Span> attempts =
        spans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT).toList();
    assertThat(downstream).hasSize(2);
    assertThat(attempts).hasSize(4);
    assertThat(downstream)
        .allSatisfy(s -> assertThat(hex(s.getParentSpanId())).isEqualTo(INCOMING_PARENT));
    List<String> downstreamIds = downstream.stream().map(s -> hex(s.getSpanId())).toList();
    assertThat(attempts)
        .allSatisfy(
            s -> {
              assertThat(downstreamIds).contains(hex(s.getParentSpanId()));
              assertThat(s.getName()).isEqualTo("router orders egress");
            });
    assertThat(attempts.stream().map(s -> attributes(s).get("retry.count")).toList())
        .containsExactlyInAnyOrder(null, "1", null, "1");

    Map<String, String> first = attributes(downstream.get(0));
    assertThat(first)
        .containsEntry("http.method", "GET")
        .containsEntry("http.status_code", "200")
        .containsEntry("upstream_cluster", "orders")
        .containsEntry("component", "proxy")
        .containsEntry("node_id", "node-it")
        .containsKey("guid:x-request-id");
    assertThat(tenantHeaders).isNotEmpty().allMatch("acme"::equals);
    assertThat(stats.counter("tracing.opentelemetry.spans_sent").value()).isEqualTo(6);
    // One or two requests, depending on whether the count-triggered flush ran before the sixth
    // span arrived; either way every report succeeded.
    long reports = stats.counter("tracing.opentelemetry.grpc_reports_sent").value();
    assertThat(reports).isBetween(1L, 2L);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> stats.counter("tracing.opentelemetry.grpc_reports_success").value() == reports);
  }

  @Test
  void anUnreachableCollectorCountsAFailedReportAndNeverStallsTheCaller() throws Exception {
    OtlpExporterConfig config =
        OtlpExporterConfig.grpc("missing", "", Duration.ofSeconds(1), List.of(), "attache-it");
    clusters = RunningTestClusters.start(ProxyHarness.staticCluster("other", "", 9), stats);
    BatchingSpanExporter unresolvable =
        new BatchingSpanExporter(
            "attache-it",
            new GrpcOtlpTraceClient(config, clusters::get, clusters.loop()),
            stats,
            scheduler,
            java.util.concurrent.Executors.newSingleThreadExecutor(),
            BatchingSpanExporter.Settings.DEFAULTS);
    exporter = unresolvable;
    for (int i = 0; i < 5; i++) {
      unresolvable.accept(
          new SpanData(
              INCOMING_TRACE, INCOMING_PARENT, "", "", "s", SpanKind.SERVER, 1, 2, Map.of()));
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stats.counter("tracing.opentelemetry.grpc_reports_failed").value() == 1);
    assertThat(received).isEmpty();
  }
}
