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

/**
 * The Datadog tracer against a stock Envoy: the same bootstrap (router {@code start_child_span}, as
 * Envoy's examples set it) run by both proxies, the same request carrying a caller's context, a
 * real app behind and a real HTTP agent decoding MessagePack recording what each proxy reports.
 * Random ids differ by nature; everything that must agree is compared — the context the app
 * receives (trace ids, priorities, the parent named being the reported child span), and the
 * reported spans' structure, names, parent/child links and Envoy's tags.
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
    app = TestHttpServer.http1(TestHttpServer.echo("app"));
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
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
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
}
