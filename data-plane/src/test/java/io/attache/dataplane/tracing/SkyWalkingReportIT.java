package io.attache.dataplane.tracing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SkyWalking tracer end to end: a proxy on real sockets, a real app behind it, and a real gRPC
 * server started here implementing {@code skywalking.v3.TraceSegmentReportService/collect} (client
 * streaming) that decodes every segment it receives. Checks the {@code sw8} the app gets, the
 * reported segment (ids, Entry/Exit spans, references, tags), the backend token, and Envoy's {@code
 * tracing.skywalking.*} counters.
 */
class SkyWalkingReportIT {
  private SkyWalkingOap oap;

  @BeforeEach
  void startOap() throws Exception {
    oap = new SkyWalkingOap();
  }

  @AfterEach
  void stopOap() throws Exception {
    oap.close();
  }

  private String proxyBootstrap(int appPort) {
    return "node: { id: it-node, cluster: front-proxy }\n"
        + bootstrap(
            """
            tracing:
              spawn_upstream_span: true
              provider:
                name: envoy.tracers.skywalking
                typed_config:
                  "@type": type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig
                  grpc_service:
                    envoy_grpc: { cluster_name: skywalking }
                    timeout: 5s
                  client_config:
                    instance_name: front-1
                    backend_token: secret-token
            """,
            "- match: { prefix: \"/\" }\n"
                + "  route: { cluster: app }\n"
                + "  decorator: { operation: routeToApp }\n",
            staticCluster("app", "", appPort)
                + "\n"
                + staticCluster("skywalking", "http2_protocol_options: {}", oap.port()));
  }

  @Test
  void aRequestsSegmentReachesTheOapCollectorAndTheAppGetsAnSw8NamingTheExitSpan()
      throws Exception {
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy = ProxyHarness.start(proxyBootstrap(app.port()))) {
      String callerSw8 =
          new Sw8Header("trace-1", "caller-seg", 2, "web", "web-1", "/checkout", "front:80")
              .encode();

      HttpResponse<String> response =
          proxy.send(HttpRequest.newBuilder(proxy.uri("/orders/7")).header("sw8", callerSw8));

      assertThat(response.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> oap.segments.size() == 1);
      DecodedSegment segment = oap.segments.get(0);
      assertThat(segment.traceId()).isEqualTo("trace-1");
      assertThat(segment.service()).as("the node's cluster").isEqualTo("front-proxy");
      assertThat(segment.instance()).isEqualTo("front-1");
      DecodedSegment.Span entry = segment.span(0);
      DecodedSegment.Span exit = segment.span(1);
      assertThat(entry.operationName()).as("a decorator does not rename it").isEqualTo("/orders/7");
      assertThat(entry.spanType()).isEqualTo(SkyWalkingSegment.ENTRY);
      assertThat(entry.peer()).isEqualTo("127.0.0.1");
      assertThat(entry.refs())
          .singleElement()
          .satisfies(
              ref -> {
                assertThat(ref.parentSegmentId()).isEqualTo("caller-seg");
                assertThat(ref.parentSpanId()).isEqualTo(2);
                assertThat(ref.parentEndpoint()).isEqualTo("/checkout");
                assertThat(ref.networkAddressUsedAtPeer()).isEqualTo("front:80");
              });
      assertThat(entry.tags())
          .containsEntry("status_code", "200")
          .containsEntry("http.method", "GET")
          .containsEntry("upstream_cluster", "app")
          .containsEntry("node_id", "it-node");
      assertThat(entry.tags().get("url")).endsWith("/orders/7");
      assertThat(exit.spanType()).isEqualTo(SkyWalkingSegment.EXIT);
      assertThat(exit.parentSpanId()).isZero();
      assertThat(exit.operationName()).isEqualTo("/orders/7");
      assertThat(exit.peer()).isEqualTo("127.0.0.1:" + app.port());
      assertThat(exit.endTime()).isGreaterThanOrEqualTo(exit.startTime());

      Sw8Header seenByApp =
          Sw8Header.parse(app.received().get(0).headers().get("sw8")).orElseThrow();
      assertThat(seenByApp)
          .isEqualTo(
              new Sw8Header(
                  "trace-1",
                  segment.segmentId(),
                  1,
                  "front-proxy",
                  "front-1",
                  "/orders/7",
                  "127.0.0.1:" + app.port()));
      assertThat(oap.tokens).containsOnly("secret-token");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("tracing.skywalking.segments_sent") == 1);
      assertThat(proxy.stat("tracing.skywalking.segments_dropped")).isZero();
    }
  }

  @Test
  void segmentsOfAFailedCallAreLostAndLaterOnesReachTheOapOnceItIsBack() throws Exception {
    oap.refuse.set(true);
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy = ProxyHarness.start(proxyBootstrap(app.port()))) {
      assertThat(proxy.send(HttpRequest.newBuilder(proxy.uri("/a"))).statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).until(() -> oap.refusedCalls.get() == 1);
      oap.refuse.set(false);

      assertThat(proxy.send(HttpRequest.newBuilder(proxy.uri("/b"))).statusCode()).isEqualTo(200);

      await().atMost(Duration.ofSeconds(30)).until(() -> oap.segments.size() == 1);
      assertThat(oap.segments.get(0).span(0).operationName()).isEqualTo("/b");
      assertThat(oap.segments.get(0).span(1).operationName()).isEqualTo("/b");
      // /b waits in the cache for the stream the back-off reopens (segments_flushed 1), unless the
      // jittered back-off (at most 500 ms of real time here) ended before /b finished, when it
      // goes in a fresh call (0). Which one is a race with this machine's load; the flush itself
      // is pinned on virtual time by SkyWalkingReporterTest.
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(proxy.stat("tracing.skywalking.segments_sent")).isEqualTo(2);
                long flushed = proxy.stat("tracing.skywalking.segments_flushed");
                assertThat(flushed).isBetween(0L, 1L);
                assertThat(proxy.stat("tracing.skywalking.cache_flushed")).isEqualTo(flushed);
              });
    }
  }
}
