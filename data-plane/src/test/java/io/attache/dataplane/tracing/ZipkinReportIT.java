package io.attache.dataplane.tracing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zipkin2.Span;
import zipkin2.codec.SpanBytesDecoder;

/**
 * The Zipkin tracer end to end: a proxy on real sockets, a real app behind it and a real HTTP
 * collector started here that decodes each posted JSON v2 report with Zipkin's own decoder. Checks
 * the B3 headers the app receives, the reported spans (ids, parent/child, kind, shared flag, tags,
 * timestamps), the report request (path, authority, content type) and Envoy's report counters.
 * {@code tracing.zipkin.min_flush_spans} is 2 through {@code layered_runtime}, so a request's two
 * spans are reported at once, without waiting for the flush timer.
 */
class ZipkinReportIT {
  private static final String CALLER_TRACE = "463ac35c9f6413ad48485a3953bb6124";
  private static final String CALLER_SPAN = "a2fb4a1d1a96d312";
  private static final String GRANDPARENT = "0020000000000001";

  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> reports = new CopyOnWriteArrayList<>();
  private final AtomicInteger collectorStatus = new AtomicInteger(202);
  private HttpServer collector;

  @BeforeEach
  void startCollector() throws Exception {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          reports.add(
              Map.of(
                  "path", exchange.getRequestURI().toString(),
                  "host", exchange.getRequestHeaders().getFirst("host"),
                  "content-type", exchange.getRequestHeaders().getFirst("content-type")));
          spans.addAll(SpanBytesDecoder.JSON_V2.decodeList(body));
          exchange.sendResponseHeaders(collectorStatus.get(), -1);
          exchange.close();
        });
    collector.start();
  }

  @AfterEach
  void stopCollector() {
    collector.stop(0);
  }

  private String proxyBootstrap(int appPort, String zipkinExtra) {
    return "node: { id: it-node, cluster: front-proxy }\n"
        + bootstrap(
            """
            tracing:
              spawn_upstream_span: true
              provider:
                name: envoy.tracers.zipkin
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                  collector_cluster: zipkin
                  collector_endpoint: "/api/v2/spans"
                  collector_endpoint_version: HTTP_JSON
                  collector_hostname: zipkin.example
            %s
            """
                .formatted(zipkinExtra.indent(6).stripTrailing()),
            ProxyHarness.routeAllTo("app"),
            staticCluster("app", "", appPort)
                + "\n"
                + staticCluster("zipkin", "", collector.getAddress().getPort()))
        + """
        layered_runtime:
          layers:
          - name: static
            static_layer: { tracing.zipkin.min_flush_spans: 2 }
        """;
  }

  @Test
  void aRequestsServerAndClientSpansReachTheCollectorAsSharedB3SpansWithEnvoysTags()
      throws Exception {
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy = ProxyHarness.start(proxyBootstrap(app.port(), ""))) {
      long before = System.currentTimeMillis() * 1000;

      HttpResponse<String> response =
          proxy.send(
              HttpRequest.newBuilder(proxy.uri("/orders/7"))
                  .header("x-b3-traceid", CALLER_TRACE)
                  .header("x-b3-spanid", CALLER_SPAN)
                  .header("x-b3-parentspanid", GRANDPARENT)
                  .header("x-b3-sampled", "1"));

      assertThat(response.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> spans.size() >= 2);
      long after = System.currentTimeMillis() * 1000;

      var seenByApp = app.received().get(0).headers();
      Span server = spans.stream().filter(s -> s.kind() == Span.Kind.SERVER).findFirst().get();
      Span client = spans.stream().filter(s -> s.kind() == Span.Kind.CLIENT).findFirst().get();
      assertThat(server.traceId()).isEqualTo(CALLER_TRACE);
      assertThat(server.id()).as("shared with the caller").isEqualTo(CALLER_SPAN);
      assertThat(server.parentId()).isEqualTo(GRANDPARENT);
      assertThat(server.shared()).isTrue();
      assertThat(client.traceId()).isEqualTo(CALLER_TRACE);
      assertThat(client.parentId()).isEqualTo(CALLER_SPAN);
      assertThat(client.id()).isNotEqualTo(CALLER_SPAN);
      assertThat(client.name()).isEqualTo("router app egress");
      assertThat(seenByApp.get("x-b3-traceid")).isEqualTo(CALLER_TRACE);
      assertThat(seenByApp.get("x-b3-spanid")).isEqualTo(client.id());
      assertThat(seenByApp.get("x-b3-parentspanid")).isEqualTo(CALLER_SPAN);
      assertThat(seenByApp.get("x-b3-sampled")).isEqualTo("1");

      assertThat(server.tags())
          .containsEntry("http.method", "GET")
          .containsEntry("http.status_code", "200")
          .containsEntry("upstream_cluster", "app")
          .containsEntry("component", "proxy")
          .containsEntry("node_id", "it-node")
          .containsEntry("response_flags", "-")
          .containsEntry("guid:x-request-id", seenByApp.get("x-request-id"))
          .doesNotContainKey("error");
      assertThat(server.tags().get("http.url")).endsWith("/orders/7");
      assertThat(client.tags()).containsEntry("upstream_cluster", "app");
      assertThat(server.localServiceName()).isEqualTo("front-proxy");
      for (Span span : List.of(server, client)) {
        assertThat(span.timestampAsLong()).isBetween(before - 1_000_000, after);
        assertThat(span.durationAsLong()).isBetween(0L, after - before + 1_000_000);
      }
      assertThat(client.timestampAsLong()).isGreaterThanOrEqualTo(server.timestampAsLong());

      assertThat(reports)
          .first()
          .isEqualTo(
              Map.of(
                  "path", "/api/v2/spans",
                  "host", "zipkin.example",
                  "content-type", "application/json"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("tracing.zipkin.reports_sent") == 1);
      assertThat(proxy.stat("tracing.zipkin.spans_sent")).isEqualTo(2);
      assertThat(proxy.stat("cluster.zipkin.upstream_rq_202")).isEqualTo(1);
    }
  }

  @Test
  void aCollectorThatDoesNotAnswer202CountsReportsDroppedAndAnUnsampledRequestReportsNothing()
      throws Exception {
    collectorStatus.set(500);
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy =
            ProxyHarness.start(proxyBootstrap(app.port(), "trace_id_128bit: true"))) {

      HttpResponse<String> unsampled =
          proxy.send(HttpRequest.newBuilder(proxy.uri("/quiet")).header("x-b3-sampled", "0"));
      HttpResponse<String> sampled = proxy.send(HttpRequest.newBuilder(proxy.uri("/loud")));

      assertThat(unsampled.statusCode()).isEqualTo(200);
      assertThat(sampled.statusCode()).isEqualTo(200);
      assertThat(app.received().get(0).headers().get("x-b3-sampled")).isEqualTo("0");
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> proxy.stat("tracing.zipkin.reports_dropped") == 1);
      assertThat(spans).hasSize(2);
      assertThat(spans)
          .filteredOn(s -> s.kind() == Span.Kind.SERVER)
          .singleElement()
          .satisfies(s -> assertThat(s.tags().get("http.url")).endsWith("/loud"));
      assertThat(spans.get(0).traceId()).hasSize(32);
      assertThat(proxy.stat("tracing.zipkin.reports_sent")).isZero();
    }
  }
}
