package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.server.RunningTestClusters;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OTLP/HTTP against a real HTTP collector (the JDK's server on loopback) through a real running
 * cluster: the protobuf body and headers it receives, and the OpenTelemetry retry rules — which
 * answers are retried, how long the client backs off (fired by hand from a manual scheduler) and
 * when it gives up.
 */
class HttpOtlpTraceClientIT {
  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Deque<int[]> answers = new ArrayDeque<>(); // {status, retry-after or -1}
  private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();
  private HttpServer collector;
  private RunningTestClusters clusters;
  private HttpOtlpTraceClient client;

  @BeforeEach
  void start() throws Exception {
    collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/",
        exchange -> {
          bodies.add(exchange.getRequestBody().readAllBytes());
          contentTypes.add(exchange.getRequestHeaders().getFirst("content-type"));
          paths.add(exchange.getRequestURI().toString());
          int[] answer;
          synchronized (answers) {
            answer = answers.isEmpty() ? new int[] {200, -1} : answers.poll();
          }
          if (answer[1] >= 0) {
            exchange.getResponseHeaders().set("retry-after", Integer.toString(answer[1]));
          }
          exchange.sendResponseHeaders(answer[0], -1);
          exchange.close();
        });
    collector.start();
    clusters =
        RunningTestClusters.start(
            ProxyHarness.staticCluster("otel", "", collector.getAddress().getPort()), stats);
    OtlpExporterConfig config =
        new OtlpExporterConfig(
            OtlpExporterConfig.Protocol.HTTP_PROTOBUF,
            "otel",
            "collector.example:4318",
            "/v1/traces",
            Duration.ofSeconds(5),
            List.of(HeaderValue.newBuilder().setKey("x-tenant").setValue("acme").build()),
            "it",
            "http_service.http_uri.cluster");
    client =
        new HttpOtlpTraceClient(
            config,
            clusters::get,
            clusters.loop(),
            scheduler,
            RandomSource.seeded(7),
            HttpOtlpTraceClient.RetryPolicy.OTEL);
  }

  @AfterEach
  void stop() {
    client.close();
    clusters.close();
    collector.stop(0);
  }

  private void answer(int status, int retryAfterSeconds) {
    synchronized (answers) {
      answers.add(new int[] {status, retryAfterSeconds});
    }
  }

  private static OtlpTraceService.ExportRequest request() {
    return new OtlpTraceService.ExportRequest(List.of(OtlpSpans.toResourceSpans("it", List.of())));
  }

  /** Waits until the client has scheduled a backoff, then fires it; returns its delay. */
  private Duration fireBackoff() {
    await().atMost(Duration.ofSeconds(10)).until(() -> !scheduler.pending().isEmpty());
    Duration delay = scheduler.pendingDelays().get(0);
    scheduler.runPending();
    return delay;
  }

  @Test
  void postsTheExportRequestAsProtobufToTheUriPathWithTheConfiguredHeaders() throws Exception {
    OtlpTraceService.ExportResponse response = client.export(request()).get();

    assertThat(response).isEqualTo(OtlpTraceService.ExportResponse.OK);
    assertThat(paths).containsExactly("/v1/traces");
    assertThat(contentTypes).containsExactly("application/x-protobuf");
    List<ResourceSpans> parsed =
        OtlpTraceService.EXPORT
            .getRequestMarshaller()
            .parse(new ByteArrayInputStream(bodies.get(0)))
            .resourceSpans();
    assertThat(parsed).hasSize(1);
    assertThat(parsed.get(0).getResource().getAttributesList())
        .anySatisfy(kv -> assertThat(kv.getValue().getStringValue()).isEqualTo("it"));
    assertThat(stats.counter("cluster.otel.upstream_rq_200").value()).isEqualTo(1);
  }

  @Test
  void retriesEachRetryableStatusWithJitteredGrowingBackoffUntilTheCollectorAccepts()
      throws Exception {
    answer(429, -1);
    answer(502, -1);
    answer(503, -1);
    answer(504, -1);
    CompletableFuture<OtlpTraceService.ExportResponse> result = client.export(request());

    List<Duration> delays = new ArrayList<>();
    for (int retry = 1; retry <= 4; retry++) {
      delays.add(fireBackoff());
    }

    assertThat(result.get()).isEqualTo(OtlpTraceService.ExportResponse.OK);
    assertThat(bodies).hasSize(5);
    // Full jitter under 1 s, 1.5 s, 2.25 s, 3.375 s.
    assertThat(delays.get(0)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(1000));
    assertThat(delays.get(1)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(1500));
    assertThat(delays.get(2)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(2250));
    assertThat(delays.get(3)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(3375));
  }

  @Test
  void honoursRetryAfterAndGivesUpAfterFiveAttempts() {
    for (int i = 0; i < 5; i++) {
      answer(503, 2);
    }
    CompletableFuture<OtlpTraceService.ExportResponse> result = client.export(request());

    for (int retry = 1; retry <= 4; retry++) {
      assertThat(fireBackoff()).isEqualTo(Duration.ofSeconds(2));
    }

    assertThatThrownBy(result::get)
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("503 on attempt 5");
    assertThat(bodies).hasSize(5);
    assertThat(scheduler.pending()).isEmpty();
  }

  @Test
  void aNonRetryableAnswerFailsTheExportAtOnce() {
    answer(400, -1);

    assertThatThrownBy(() -> client.export(request()).get())
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("400 on attempt 1");
    assertThat(bodies).hasSize(1);
    assertThat(scheduler.pending()).isEmpty();
  }
}
