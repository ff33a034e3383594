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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Datadog tracer end to end: a proxy on real sockets, a real app behind it and a real HTTP
 * "agent" started here that decodes each MessagePack {@code /v0.4/traces} report. Checks the
 * datadog and tracecontext headers the app receives, the reported spans (ids, parent/child, name,
 * resource, service, tags), the report request and Envoy's {@code tracing.datadog.*} counters.
 */
class DatadogReportIT {
  private final List<Map<String, Object>> spans = new CopyOnWriteArrayList<>();
  private final List<Map<String, String>> reports = new CopyOnWriteArrayList<>();
  private HttpServer agent;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void startAgent() throws Exception {
    agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    agent.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          reports.add(
              Map.of(
                  "method", exchange.getRequestMethod(),
                  "path", exchange.getRequestURI().toString(),
                  "host", exchange.getRequestHeaders().getFirst("host"),
                  "content-type", exchange.getRequestHeaders().getFirst("content-type")));
          for (Object trace : (List<Object>) MsgPackReader.decode(body)) {
            for (Object span : (List<Object>) trace) {
              spans.add((Map<String, Object>) span);
            }
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    agent.start();
  }

  @AfterEach
  void stopAgent() {
    agent.stop(0);
  }

  private String proxyBootstrap(int appPort) {
    return "node: { id: it-node, cluster: front-proxy }\n"
        + bootstrap(
            """
            tracing:
              spawn_upstream_span: true
              provider:
                name: envoy.tracers.datadog
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.DatadogConfig
                  collector_cluster: datadog_agent
                  service_name: envoy-demo
                  collector_hostname: dd-agent.example
            """,
            ProxyHarness.routeAllTo("app"),
            staticCluster("app", "", appPort)
                + "\n"
                + staticCluster("datadog_agent", "", agent.getAddress().getPort()));
  }

  @Test
  void aRequestsSpansReachTheAgentAsMessagePackAndTheAppGetsBothPropagationStyles()
      throws Exception {
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy = ProxyHarness.start(proxyBootstrap(app.port()))) {
      HttpResponse<String> response =
          proxy.send(
              HttpRequest.newBuilder(proxy.uri("/orders/7"))
                  .header("x-datadog-trace-id", "4242")
                  .header("x-datadog-parent-id", "77")
                  .header("x-datadog-sampling-priority", "1"));

      assertThat(response.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> spans.size() >= 2);
      Map<String, Object> root =
          spans.stream().filter(s -> s.get("parent_id").equals(77L)).findFirst().orElseThrow();
      Map<String, Object> child = spans.stream().filter(s -> s != root).findFirst().orElseThrow();
      assertThat(root)
          .containsEntry("trace_id", 4242L)
          .containsEntry("name", "envoy.proxy")
          .containsEntry("resource", "ingress")
          .containsEntry("service", "envoy-demo")
          .containsEntry("error", 0L);
      assertThat(child)
          .containsEntry("trace_id", 4242L)
          .containsEntry("parent_id", root.get("span_id"))
          .containsEntry("resource", "router app egress");
      @SuppressWarnings("unchecked")
      Map<String, Object> meta = (Map<String, Object>) root.get("meta");
      assertThat(meta)
          .containsEntry("http.method", "GET")
          .containsEntry("http.status_code", "200")
          .containsEntry("upstream_cluster", "app")
          .containsEntry("node_id", "it-node");

      var seenByApp = app.received().get(0).headers();
      long childId = (Long) child.get("span_id");
      assertThat(seenByApp.get("x-datadog-trace-id")).isEqualTo("4242");
      assertThat(seenByApp.get("x-datadog-parent-id")).isEqualTo(Long.toUnsignedString(childId));
      assertThat(seenByApp.get("x-datadog-sampling-priority")).isEqualTo("1");
      assertThat(seenByApp.get("traceparent"))
          .isEqualTo(
              "00-"
                  + Propagation.hex16(0)
                  + Propagation.hex16(4242)
                  + "-"
                  + Propagation.hex16(childId)
                  + "-01");
      assertThat(reports.get(0))
          .isEqualTo(
              Map.of(
                  "method", "POST",
                  "path", "/v0.4/traces",
                  "host", "dd-agent.example",
                  "content-type", "application/msgpack"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("tracing.datadog.reports_sent") >= 1);
      assertThat(proxy.stat("tracing.datadog.reports_failed")).isZero();
    }
  }
}
