package io.attache.dataplane.overload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.TestHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's edge overload settings through real sockets: a heap reading the test sets pushes the
 * {@code fixed_heap} monitor over its thresholds; keep-alive goes first, then new requests get 503
 * {@code envoy overloaded} (flag {@code OM}) without reaching the upstream; below the thresholds
 * again, the proxy serves and keeps connections as before.
 */
class OverloadManagerIT {
  private final AtomicLong usedBytes = new AtomicLong(100);
  private final AtomicInteger releases = new AtomicInteger();

  private final JvmHeap heap =
      new JvmHeap() {
        @Override
        public long usedBytes() {
          return usedBytes.get();
        }

        @Override
        public void releaseFreeMemory() {
          releases.incrementAndGet();
        }
      };

  private static String bootstrap(int backendPort, Path accessLog) {
    return """
        overload_manager:
          refresh_interval: 0.02s
          resource_monitors:
          - name: "envoy.resource_monitors.fixed_heap"
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
              max_heap_size_bytes: 1000
          actions:
          - name: "envoy.overload_actions.disable_http_keepalive"
            triggers:
            - name: "envoy.resource_monitors.fixed_heap"
              threshold: { value: 0.90 }
          - name: "envoy.overload_actions.stop_accepting_requests"
            triggers:
            - name: "envoy.resource_monitors.fixed_heap"
              threshold: { value: 0.95 }
        """
        + ProxyHarness.bootstrap(
            """
            access_log:
            - name: envoy.access_loggers.file
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                path: %s
                log_format: { text_format_source: { inline_string: "%%RESPONSE_CODE%% %%RESPONSE_FLAGS%%\\n" } }
            """
                .formatted(accessLog),
            ProxyHarness.routeAllTo("backend"),
            ProxyHarness.staticCluster("backend", "", backendPort));
  }

  private static RawHttp1Client.Response get(RawHttp1Client client) throws Exception {
    client.write("GET /content HTTP/1.1\r\nHost: edge\r\n\r\n");
    return client.readResponse();
  }

  private void pressureAndAwait(ProxyHarness proxy, long used, String action, long active) {
    usedBytes.set(used);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(proxy.stat("overload." + action + ".active")).isEqualTo(active));
  }

  @Test
  void overTheThresholdsKeepAliveIsDisabledThenRequestsGet503WithOmAndBelowThemServiceResumes(
      @TempDir Path dir) throws Exception {
    AtomicInteger upstreamRequests = new AtomicInteger();
    Path accessLog = dir.resolve("access.log");
    try (TestHttpServer backend =
            TestHttpServer.http1(
                req -> {
                  upstreamRequests.incrementAndGet();
                  return TestHttpServer.Reply.ok("served");
                });
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(backend.port(), accessLog),
                new io.attache.dataplane.server.ProxyOptions(1, Duration.ofSeconds(5))
                    .withHeap(heap))) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(proxy.stat("overload.envoy.resource_monitors.fixed_heap.pressure"))
                      .isEqualTo(10));
      try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 10_000)) {
        RawHttp1Client.Response normal = get(client);
        assertThat(normal.status()).isEqualTo(200);
        assertThat(normal.closes()).isFalse();
      }

      pressureAndAwait(proxy, 920, "envoy.overload_actions.disable_http_keepalive", 1);
      try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 10_000)) {
        RawHttp1Client.Response keepAliveOff = get(client);
        assertThat(keepAliveOff.status()).isEqualTo(200);
        assertThat(keepAliveOff.closes()).isTrue();
        assertThat(client.closedByPeer()).isTrue();
      }
      assertThat(proxy.stat("http.ingress.downstream_cx_overload_disable_keepalive")).isOne();

      pressureAndAwait(proxy, 990, "envoy.overload_actions.stop_accepting_requests", 1);
      int servedBefore = upstreamRequests.get();
      try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 10_000)) {
        RawHttp1Client.Response refused = get(client);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body()).isEqualTo("envoy overloaded");
      }
      assertThat(upstreamRequests).hasValue(servedBefore);
      assertThat(proxy.stat("http.ingress.downstream_rq_overload_close")).isOne();
      assertThat(proxy.stat("overload.envoy.resource_monitors.fixed_heap.pressure")).isEqualTo(99);

      pressureAndAwait(proxy, 100, "envoy.overload_actions.stop_accepting_requests", 0);
      assertThat(proxy.stat("overload.envoy.overload_actions.disable_http_keepalive.active"))
          .isZero();
      try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 10_000)) {
        RawHttp1Client.Response recovered = get(client);
        assertThat(recovered.status()).isEqualTo(200);
        assertThat(recovered.closes()).isFalse();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(Files.readAllLines(accessLog))
                      .containsExactly("200 -", "200 -", "503 OM", "200 -"));
    }
    assertThat(releases).hasValue(0); // shrink_heap is not configured here
  }
}
