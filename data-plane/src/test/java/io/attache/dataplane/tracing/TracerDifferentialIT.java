package io.attache.dataplane.tracing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Datadog, Zipkin and SkyWalking tracers against a stock Envoy: per tracer the same bootstrap
 * (router {@code start_child_span}, as Envoy's examples set it; a route decorator) run by both
 * proxies, the same requests, a real app behind and a real collector started here (an HTTP agent
 * decoding MessagePack, an HTTP Zipkin collector decoding JSON v2 or proto3 by field number, a gRPC
 * SkyWalking OAP server) recording what each proxy reports. Random ids differ by nature, so ids are
 * compared by relation (the caller's, the reported span's, a new one); everything else that must
 * agree is compared — the context the app receives, the reported spans' structure, names, kinds,
 * parent/child links and Envoy's tags, and the tracing stats that moved.
 */
@ExtendWith(StockEnvoyExtension.class)
class TracerDifferentialIT {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final String START_CHILD_SPAN_ROUTER =
      """
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          start_child_span: true
      """;
  @TempDir Path dir;
  private Envoy envoy;
  private TestHttpServer app;

  @BeforeEach
  void start(Envoy envoy) {
    this.envoy = envoy;
    app =
        TestHttpServer.http1(
            r ->
                r.uri().startsWith("/fail")
                    ? TestHttpServer.Reply.status(503)
                    : TestHttpServer.echo("app").apply(r));
  }

  @AfterEach
  void stop() {
    app.close();
  }

  private String bootstrapWith(String tracing, String collectorCluster) {
    return ProxyPair.withHttpFilters(
        "node: { id: diff-node, cluster: diff }\n"
            + bootstrap(
                tracing,
                "- match: { prefix: \"/\" }\n"
                    + "  route: { cluster: app }\n"
                    + "  decorator: { operation: routeToApp }\n",
                staticCluster("app", "", app.port()) + "\n" + collectorCluster),
        START_CHILD_SPAN_ROUTER);
  }

  private static void get(int port, String path, String... headers) throws Exception {
    assertThat(status(port, path, headers)).isEqualTo(200);
  }

  private static int status(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private Map<String, String> lastSeenByApp() {
    Map<String, String> headers = new TreeMap<>();
    app.received()
        .get(app.received().size() - 1)
        .headers()
        .forEach(e -> headers.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
    return headers;
  }

  // ---------------------------------------------------------------- Datadog

  @Test
  void datadogSpansAndTheContextSentUpstreamAgreeWithEnvoys() throws Exception {
    List<Map<String, Object>> reported = new CopyOnWriteArrayList<>();
    HttpServer agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    agent.createContext(
        "/v0.4/traces",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          @SuppressWarnings("unchecked")
          List<List<Map<String, Object>>> traces =
              (List<List<Map<String, Object>>>) MsgPackReader.decode(body);
          traces.forEach(reported::addAll);
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    agent.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(404, -1);
          exchange.close();
        });
    agent.start();
    try {
      String yaml =
          bootstrapWith(
              """
              tracing:
                provider:
                  name: envoy.tracers.datadog
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.trace.v3.DatadogConfig
                    collector_cluster: datadog_agent
                    service_name: diff-demo
              """,
              staticCluster("datadog_agent", "", agent.getAddress().getPort()));
      Map<String, Object> views = new LinkedHashMap<>();
      try (ProxyPair pair = ProxyPair.start(envoy, "datadog", yaml, dir)) {
        for (ProxyPair.Side side : pair.both()) {
          reported.clear();
          get(
              side.port("ingress"),
              "/orders/7",
              "x-datadog-trace-id",
              "4242",
              "x-datadog-parent-id",
              "77",
              "x-datadog-sampling-priority",
              "1");
          Map<String, String> seen = lastSeenByApp();
          await().atMost(Duration.ofSeconds(30)).until(() -> reported.size() >= 2);
          views.put(side.name(), datadogView(reported, seen));
        }
      }
      assertThat(views.get("Attaché"))
          .as("Attaché's Datadog spans and context vs %s", envoy.describe())
          .isEqualTo(views.values().stream().skip(1).findFirst().orElseThrow());
    } finally {
      agent.stop(0);
    }
  }

  private static Map<String, Object> datadogView(
      List<Map<String, Object>> spans, Map<String, String> seenByApp) {
    Map<String, Object> root =
        spans.stream().filter(s -> s.get("parent_id").equals(77L)).findFirst().orElseThrow();
    Map<String, Object> child =
        spans.stream()
            .filter(s -> s.get("parent_id").equals(root.get("span_id")))
            .findFirst()
            .orElseThrow();
    String childHex = Propagation.hex16((Long) child.get("span_id"));
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("x-datadog-trace-id", seenByApp.get("x-datadog-trace-id"));
    view.put(
        "x-datadog-parent-id is the child span",
        Long.toUnsignedString((Long) child.get("span_id"))
            .equals(seenByApp.get("x-datadog-parent-id")));
    view.put("x-datadog-sampling-priority", seenByApp.get("x-datadog-sampling-priority"));
    view.put("traceparent", seenByApp.getOrDefault("traceparent", "").replace(childHex, "CHILD"));
    view.put("spans", List.of(datadogSpan(root), datadogSpan(child)));
    return view;
  }

  private static Map<String, Object> datadogSpan(Map<String, Object> span) {
    Map<String, Object> view = new LinkedHashMap<>();
    for (String field : List.of("name", "resource", "service", "trace_id", "error")) {
      view.put(field, span.get(field));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = (Map<String, Object>) span.get("meta");
    Map<String, Object> tags = new TreeMap<>();
    for (String tag :
        List.of(
            "http.method",
            "http.status_code",
            "upstream_cluster",
            "component",
            "response_flags",
            "node_id")) {
      tags.put(tag, meta.get(tag));
    }
    view.put("meta", tags);
    return view;
  }

  // ---------------------------------------------------------------- Zipkin

  private static final String CALLER_TRACE = "463ac35c9f6413ad48485a3953bb6124";
  private static final String CALLER_SPAN = "a2fb4a1d1a96d312";
  private static final String GRANDPARENT = "0020000000000001";

  /**
   * Four requests on each proxy, one collector for both: a new trace ({@code /new}), a caller's B3
   * context continued ({@code /continued}), a caller's "do not sample" ({@code /off}) and a 503
   * from the app ({@code /fail}). Each span is flushed alone ({@code
   * tracing.zipkin.min_flush_spans} 1). Besides the router's {@code start_child_span}: the HCM's
   * {@code spawn_upstream_span} (the proxy its own hop), and an {@code OUTBOUND} listener.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "HTTP_JSON, start_child_span",
    "HTTP_PROTO, start_child_span",
    "HTTP_JSON, spawn_upstream_span",
    "HTTP_JSON, outbound"
  })
  void zipkinSpansAndTheB3HeadersSentUpstreamAgreeWithEnvoys(String endpointVersion, String variant)
      throws Exception {
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    List<DecodedZipkinSpan> reported = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/api/v2/spans",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          String contentType = exchange.getRequestHeaders().getFirst("content-type");
          reported.addAll(DecodedZipkinSpan.parse(contentType, body));
          contentTypes.add(contentType);
          exchange.sendResponseHeaders(202, -1);
          exchange.close();
        });
    collector.start();
    try {
      String yaml =
          bootstrapWith(
                  """
                  tracing:
                    spawn_upstream_span: %s
                    provider:
                      name: envoy.tracers.zipkin
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                        collector_cluster: zipkin
                        collector_endpoint: /api/v2/spans
                        collector_endpoint_version: %s
                  """
                      .formatted(variant.equals("spawn_upstream_span"), endpointVersion),
                  staticCluster("zipkin", "", collector.getAddress().getPort()))
              + """
              layered_runtime:
                layers:
                - name: static
                  static_layer: { tracing.zipkin.min_flush_spans: 1 }
              """;
      if (variant.equals("outbound")) {
        yaml =
            yaml.replace(
                "    filter_chains:", "    traffic_direction: OUTBOUND\n    filter_chains:");
      }
      Map<String, Object> views = new LinkedHashMap<>();
      try (ProxyPair pair =
          ProxyPair.start(envoy, "zipkin-" + endpointVersion + "-" + variant, yaml, dir)) {
        for (ProxyPair.Side side : pair.both()) {
          reported.clear();
          contentTypes.clear();
          int port = side.port("ingress");
          Map<String, Integer> statuses = new LinkedHashMap<>();
          Map<String, Map<String, String>> seen = new LinkedHashMap<>();
          statuses.put("/off", status(port, "/off", "x-b3-sampled", "0"));
          seen.put("/off", lastSeenByApp());
          statuses.put("/new", status(port, "/new"));
          seen.put("/new", lastSeenByApp());
          statuses.put(
              "/continued",
              status(
                  port,
                  "/continued",
                  "x-b3-traceid",
                  CALLER_TRACE,
                  "x-b3-spanid",
                  CALLER_SPAN,
                  "x-b3-parentspanid",
                  GRANDPARENT,
                  "x-b3-sampled",
                  "1"));
          seen.put("/continued", lastSeenByApp());
          statuses.put("/fail", status(port, "/fail"));
          seen.put("/fail", lastSeenByApp());
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      reported.size() >= 6
                          && side.stat("tracing.zipkin.reports_sent") == contentTypes.size());
          Map<String, Object> view = new LinkedHashMap<>();
          view.put("statuses", statuses);
          view.put("content types", new java.util.TreeSet<>(contentTypes));
          view.put("spans reported", reported.size());
          for (String path : seen.keySet()) {
            view.put(path, zipkinView(path, reported, seen.get(path), port));
          }
          Map<String, Long> stats = new TreeMap<>(side.statsThatMoved("tracing.zipkin."));
          stats.remove("tracing.zipkin.timer_flushed"); // ticks of a 5 s wall-clock timer
          view.put("stats", stats);
          view.put("tracing stats", side.statsThatMoved("http.ingress.tracing."));
          views.put(side.name(), view);
        }
      }
      Object envoyView = views.values().stream().skip(1).findFirst().orElseThrow();
      assertThat(views.get("Attaché"))
          .as("Attaché's Zipkin spans and B3 headers vs %s", envoy.describe())
          .isEqualTo(envoyView);
    } finally {
      collector.stop(0);
    }
  }

  /**
   * One request as the app and the collector saw it, every id replaced by what it is (the caller's
   * ids, the reported downstream or client span's, or a new one of so many hex digits) and every
   * port by whose it is.
   */
  private Map<String, Object> zipkinView(
      String path, List<DecodedZipkinSpan> spans, Map<String, String> seenByApp, int proxyPort) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(CALLER_TRACE, "CALLER_TRACE");
    labels.put(CALLER_SPAN, "CALLER_SPAN");
    labels.put(GRANDPARENT, "GRANDPARENT");
    DecodedZipkinSpan downstream =
        spans.stream()
            .filter(s -> s.tags().getOrDefault("http.url", "").endsWith(path))
            .findFirst()
            .orElse(null);
    List<DecodedZipkinSpan> group = new java.util.ArrayList<>();
    if (downstream != null) {
      group.add(downstream);
      labels.putIfAbsent(downstream.traceId(), "TRACE");
      labels.putIfAbsent(downstream.id(), "DOWNSTREAM_SPAN");
      spans.stream()
          .filter(s -> s.traceId().equals(downstream.traceId()) && s != downstream)
          .forEach(
              s -> {
                group.add(s);
                labels.putIfAbsent(s.id(), "CHILD_SPAN");
              });
    }
    java.util.function.UnaryOperator<String> id =
        v -> v.isEmpty() ? "" : labels.getOrDefault(v, "new id of " + v.length() + " hex");
    Map<String, Object> view = new LinkedHashMap<>();
    Map<String, String> upstream = new TreeMap<>();
    seenByApp.forEach(
        (name, value) -> {
          if (List.of("x-b3-sampled", "x-b3-flags", "traceparent", "tracestate").contains(name)) {
            upstream.put(name, value);
          } else if (name.startsWith("x-b3-")) {
            upstream.put(name, id.apply(value));
          } else if (name.equals("b3")) {
            upstream.put(
                name,
                String.join(
                    "-",
                    java.util.Arrays.stream(value.split("-"))
                        .map(part -> part.length() > 1 ? id.apply(part) : part)
                        .toList()));
          }
        });
    view.put("seen by the app", upstream);
    List<Map<String, Object>> reportedSpans = new java.util.ArrayList<>();
    for (DecodedZipkinSpan span : group) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("traceId", id.apply(span.traceId()));
      s.put("parentId", id.apply(span.parentId()));
      s.put("id", id.apply(span.id()));
      s.put("name", span.name());
      s.put("kind", span.kind());
      s.put("shared", span.shared());
      s.put("serviceName", span.serviceName());
      Map<String, String> tags = new TreeMap<>();
      span.tags()
          .forEach(
              (tag, value) ->
                  tags.put(
                      tag,
                      value.equals(seenByApp.get("x-request-id"))
                          ? "x-request-id seen by the app"
                          : value
                              .replace(":" + app.port(), ":APP")
                              .replace(":" + proxyPort, ":PROXY")
                              .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT")));
      s.put("tags", tags);
      reportedSpans.add(s);
    }
    view.put("spans", reportedSpans);
    return view;
  }

  // ---------------------------------------------------------------- SkyWalking

  /**
   * Three requests on each proxy, one OAP collector for both: a new trace ({@code /new}), a
   * caller's {@code sw8} context continued ({@code /continued}) and a 503 from the app ({@code
   * /fail}); {@code client_config} is left out so both name the service and instance by the node.
   */
  @Test
  void skyWalkingSegmentsAndTheSw8SentUpstreamAgreeWithEnvoys() throws Exception {
    try (SkyWalkingOap oap = new SkyWalkingOap()) {
      String yaml =
          bootstrapWith(
              """
              tracing:
                provider:
                  name: envoy.tracers.skywalking
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig
                    grpc_service:
                      envoy_grpc: { cluster_name: skywalking }
                      timeout: 5s
              """,
              staticCluster("skywalking", "http2_protocol_options: {}", oap.port()));
      String callerSw8 =
          new Sw8Header("caller-trace", "caller-seg", 2, "web", "web-1", "/checkout", "front:80")
              .encode();
      Map<String, Object> views = new LinkedHashMap<>();
      try (ProxyPair pair = ProxyPair.start(envoy, "skywalking", yaml, dir)) {
        for (ProxyPair.Side side : pair.both()) {
          oap.segments.clear();
          int port = side.port("ingress");
          Map<String, Integer> statuses = new LinkedHashMap<>();
          Map<String, Map<String, String>> seen = new LinkedHashMap<>();
          statuses.put("/new", status(port, "/new"));
          seen.put("/new", lastSeenByApp());
          statuses.put("/continued", status(port, "/continued", "sw8", callerSw8));
          seen.put("/continued", lastSeenByApp());
          statuses.put("/fail", status(port, "/fail"));
          seen.put("/fail", lastSeenByApp());
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      oap.segments.size() >= 3
                          && side.stat("tracing.skywalking.segments_sent") >= 3);
          Map<String, Object> view = new LinkedHashMap<>();
          view.put("statuses", statuses);
          view.put("segments reported", oap.segments.size());
          for (String path : seen.keySet()) {
            view.put(path, skyWalkingView(path, oap.segments, seen.get(path), port));
          }
          view.put("stats", side.statsThatMoved("tracing.skywalking."));
          view.put("tracing stats", side.statsThatMoved("http.ingress.tracing."));
          views.put(side.name(), view);
        }
      }
      Object envoyView = views.values().stream().skip(1).findFirst().orElseThrow();
      assertThat(views.get("Attaché"))
          .as("Attaché's SkyWalking segments and sw8 vs %s", envoy.describe())
          .isEqualTo(envoyView);
    }
  }

  /**
   * One request's segment and the {@code sw8} the app received, field by field, ids replaced by
   * whose they are and ports by whose they are.
   */
  private Map<String, Object> skyWalkingView(
      String path, List<DecodedSegment> segments, Map<String, String> seenByApp, int proxyPort) {
    DecodedSegment segment =
        segments.stream()
            .filter(
                s ->
                    s.spans().stream()
                        .anyMatch(
                            span ->
                                span.operationName().endsWith(path)
                                    || span.tags().values().stream()
                                        .anyMatch(v -> v.endsWith(path))))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no segment for " + path + ": " + segments));
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("caller-trace", "CALLER_TRACE");
    labels.put("caller-seg", "CALLER_SEGMENT");
    labels.putIfAbsent(segment.traceId(), "TRACE");
    labels.putIfAbsent(segment.segmentId(), "SEGMENT");
    java.util.function.UnaryOperator<String> id = v -> labels.getOrDefault(v, "other id");
    java.util.function.UnaryOperator<String> ports =
        v ->
            v.equals(seenByApp.get("x-request-id"))
                ? "x-request-id seen by the app"
                : v.replace(":" + app.port(), ":APP")
                    .replace(":" + proxyPort, ":PROXY")
                    .replaceAll("127\\.0\\.0\\.1:\\d+", "127.0.0.1:PORT");
    Map<String, Object> view = new LinkedHashMap<>();
    String sw8 = seenByApp.get("sw8");
    if (sw8 == null) {
      view.put("sw8 seen by the app", "none");
    } else {
      Sw8Header upstream = Sw8Header.parse(sw8).orElseThrow();
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("sample", sw8.substring(0, sw8.indexOf('-')));
      header.put("trace", id.apply(upstream.traceId()));
      header.put("parent segment", id.apply(upstream.segmentId()));
      header.put("parent span", upstream.spanId());
      header.put("parent service", upstream.service());
      header.put("parent instance", upstream.instance());
      header.put("parent endpoint", upstream.endpoint());
      header.put("target address", ports.apply(upstream.targetAddress()));
      view.put("sw8 seen by the app", header);
    }
    view.put("trace", id.apply(segment.traceId()));
    view.put("service", segment.service());
    view.put("instance", segment.instance());
    List<Map<String, Object>> spans = new java.util.ArrayList<>();
    for (DecodedSegment.Span span : segment.spans()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("spanId", span.spanId());
      s.put("parentSpanId", span.parentSpanId());
      s.put("operationName", span.operationName());
      s.put("peer", ports.apply(span.peer()));
      s.put("spanType", span.spanType());
      s.put("spanLayer", span.spanLayer());
      s.put("componentId", span.componentId());
      s.put("isError", span.isError());
      s.put("skipAnalysis", span.skipAnalysis());
      s.put("ends after it starts", span.endTime() >= span.startTime());
      Map<String, String> tags = new TreeMap<>();
      span.tags().forEach((tag, value) -> tags.put(tag, ports.apply(value)));
      s.put("tags", tags);
      List<Map<String, Object>> refs = new java.util.ArrayList<>();
      for (DecodedSegment.Ref ref : span.refs()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("refType", ref.refType());
        r.put("trace", id.apply(ref.traceId()));
        r.put("parent segment", id.apply(ref.parentSegmentId()));
        r.put("parent span", ref.parentSpanId());
        r.put("parent service", ref.parentService());
        r.put("parent instance", ref.parentInstance());
        r.put("parent endpoint", ref.parentEndpoint());
        r.put("address used at peer", ref.networkAddressUsedAtPeer());
        refs.add(r);
      }
      s.put("refs", refs);
      spans.add(s);
    }
    view.put("spans", spans);
    return view;
  }
}
