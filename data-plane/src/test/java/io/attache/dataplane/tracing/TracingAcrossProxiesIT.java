package io.attache.dataplane.tracing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two proxies in a row (a client's ambassador, then the server's) with OpenTelemetry tracing, and a
 * real OTLP/gRPC collector started here: one trace id end to end, each span the child of the one
 * before it, the incoming caller's span as the root's parent.
 */
class TracingAcrossProxiesIT {
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";

  private static String tracing() {
    return """
        tracing:
          random_sampling: { value: 100 }
          provider:
            name: envoy.tracers.opentelemetry
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
              service_name: %s
              grpc_service:
                envoy_grpc: { cluster_name: otel }
        """;
  }

  @Test
  void oneTraceIdFlowsThroughBothProxiesWithParentChildSpans() throws Exception {
    List<Span> spans = new CopyOnWriteArrayList<>();
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(OtlpTraceService.SERVICE_NAME)
            .addMethod(
                OtlpTraceService.EXPORT,
                ServerCalls.asyncUnaryCall(
                    (request, observer) -> {
                      for (ResourceSpans rs : request.resourceSpans()) {
                        for (ScopeSpans ss : rs.getScopeSpansList()) {
                          spans.addAll(ss.getSpansList());
                        }
                      }
                      observer.onNext(OtlpTraceService.ExportResponse.OK);
                      observer.onCompleted();
                    }))
            .build();
    Server collector =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness inbound =
            ProxyHarness.start(
                bootstrap(
                    tracing().formatted("inbound"),
                    ProxyHarness.routeAllTo("app"),
                    staticCluster("app", "", app.port())
                        + "\n"
                        + staticCluster(
                            "otel", "http2_protocol_options: {}", collector.getPort())));
        ProxyHarness outbound =
            ProxyHarness.start(
                bootstrap(
                    tracing().formatted("outbound"),
                    ProxyHarness.routeAllTo("next_proxy"),
                    staticCluster("next_proxy", "", inbound.port())
                        + "\n"
                        + staticCluster(
                            "otel", "http2_protocol_options: {}", collector.getPort())))) {

      HttpResponse<String> r =
          outbound.send(
              HttpRequest.newBuilder(outbound.uri("/orders/7"))
                  .header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01"));

      assertThat(r.statusCode()).isEqualTo(200);
      String seenByApp = app.received().get(0).headers().get("traceparent");
      assertThat(seenByApp).startsWith("00-" + CALLER_TRACE + "-").endsWith("-01");
      // The exporters flush on their batch timer (5 s by default).
      await().atMost(Duration.ofSeconds(20)).until(() -> spans.size() >= 2);

      HexFormat hex = HexFormat.of();
      assertThat(spans)
          .allSatisfy(
              s -> assertThat(hex.formatHex(s.getTraceId().toByteArray())).isEqualTo(CALLER_TRACE));
      Span first =
          spans.stream()
              .filter(s -> hex.formatHex(s.getParentSpanId().toByteArray()).equals(CALLER_SPAN))
              .findFirst()
              .orElseThrow();
      Span second = spans.stream().filter(s -> s != first).findFirst().orElseThrow();
      assertThat(second.getParentSpanId()).isEqualTo(first.getSpanId());
      assertThat(seenByApp).contains(hex.formatHex(second.getSpanId().toByteArray()));
    } finally {
      collector.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
