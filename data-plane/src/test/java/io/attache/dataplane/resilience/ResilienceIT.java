package io.attache.dataplane.resilience;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries, circuit breaking and fault injection end to end, counting what the upstream really saw.
 */
class ResilienceIT {
  /** The mesh default rule, expressed in stock Envoy fields. */
  private static final String IDEMPOTENT_RETRY_ROUTE =
      """
      - match: { prefix: "/" }
        route:
          cluster: backend
          retry_policy:
            retry_on: "connect-failure,refused-stream,reset,retriable-status-codes"
            retriable_status_codes: [429, 503]
            num_retries: 3
            retry_back_off: { base_interval: 0.005s, max_interval: 0.02s }
            retriable_request_headers:
            - name: ":method"
              string_match: { exact: GET }
            - name: idempotency-key
              present_match: true
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static java.util.function.Function<TestHttpServer.Received, Reply> failTimesThenOk(
      int failures, int status) {
    AtomicInteger seen = new AtomicInteger();
    return r ->
        seen.incrementAndGet() <= failures ? Reply.status(status) : Reply.ok("ok " + r.body());
  }

  @Test
  void retriesA503TwiceAndSucceedsOnTheThirdAttempt() throws Exception {
    upstream = TestHttpServer.http1(failTimesThenOk(2, 503));
    proxy =
        ProxyHarness.start(
            bootstrap("", IDEMPOTENT_RETRY_ROUTE, staticCluster("backend", "", upstream.port())));

    HttpResponse<String> r = proxy.get("/orders");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(3);
    assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isEqualTo(2);
    assertThat(proxy.stat("cluster.backend.upstream_rq_retry_success")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.upstream_rq_503")).isEqualTo(2);
  }

  @Test
  void doesNotRetryAPostWithoutAnIdempotencyKey() throws Exception {
    upstream = TestHttpServer.http1(failTimesThenOk(2, 503));
    proxy =
        ProxyHarness.start(
            bootstrap("", IDEMPOTENT_RETRY_ROUTE, staticCluster("backend", "", upstream.port())));

    HttpResponse<String> r =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/charge"))
                .POST(HttpRequest.BodyPublishers.ofString("pay 10")));

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("cluster.backend.upstream_rq_retry")).isZero();
  }

  @Test
  void retriesAPostThatCarriesAnIdempotencyKeyAndReplaysItsBody() throws Exception {
    upstream = TestHttpServer.http1(failTimesThenOk(1, 503));
    proxy =
        ProxyHarness.start(
            bootstrap("", IDEMPOTENT_RETRY_ROUTE, staticCluster("backend", "", upstream.port())));

    HttpResponse<String> r =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/charge"))
                .header("idempotency-key", "k-1")
                .POST(HttpRequest.BodyPublishers.ofString("pay 10")));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok pay 10");
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::body)
        .containsExactly("pay 10", "pay 10");
  }

  @Test
  void neverRetriesA400() throws Exception {
    upstream = TestHttpServer.http1(failTimesThenOk(5, 400));
    proxy =
        ProxyHarness.start(
            bootstrap("", IDEMPOTENT_RETRY_ROUTE, staticCluster("backend", "", upstream.port())));

    assertThat(proxy.get("/x").statusCode()).isEqualTo(400);
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void aRetryGoesToAnotherHostWhenTheFirstRefusesConnections() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("alive"));
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                """
                - match: { prefix: "/" }
                  route:
                    cluster: backend
                    retry_policy:
                      retry_on: connect-failure
                      num_retries: 2
                      retry_host_predicate:
                      - name: envoy.retry_host_predicates.previous_hosts
                      host_selection_retry_max_attempts: 5
                """,
                staticCluster("backend", "", closedPort, upstream.port())));

    for (int i = 0; i < 10; i++) {
      assertThat(proxy.get("/" + i).statusCode()).isEqualTo(200);
    }
    assertThat(upstream.received()).hasSize(10);
  }

  @Test
  void theRetryLimitEndsWithTheLastResponseAndCountsIt() throws Exception {
    upstream = TestHttpServer.http1(failTimesThenOk(100, 503));
    proxy =
        ProxyHarness.start(
            bootstrap("", IDEMPOTENT_RETRY_ROUTE, staticCluster("backend", "", upstream.port())));

    assertThat(proxy.get("/x").statusCode()).isEqualTo(503);
    assertThat(upstream.received()).hasSize(4); // 1 + num_retries 3
    assertThat(proxy.stat("cluster.backend.upstream_rq_retry_limit_exceeded")).isEqualTo(1);
  }

  @Test
  void aFullCircuitBreakerFailsFastWith503AndOverloadedWithoutReachingTheUpstream()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    upstream =
        TestHttpServer.http1(
            r -> {
              try {
                release.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Reply.ok("slow");
            });
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster(
                    "backend",
                    """
                    circuit_breakers:
                      thresholds:
                      - { max_requests: 1, track_remaining: true }
                    """,
                    upstream.port())));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> first =
        client.sendAsync(
            HttpRequest.newBuilder(proxy.uri("/a")).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.received().size() == 1);

    HttpResponse<String> second = proxy.get("/b");
    release.countDown();

    assertThat(second.statusCode()).isEqualTo(503);
    assertThat(second.headers().firstValue("x-envoy-overloaded")).hasValue("true");
    assertThat(first.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("cluster.backend.upstream_rq_active_overflow")).isEqualTo(1);
  }

  @Test
  void oneFailingHostAmongThreeIsEjectedAndRetriesKeepSuccessAbove999PerMille() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("good-1"));
    try (TestHttpServer good2 = TestHttpServer.http1(TestHttpServer.echo("good-2"));
        TestHttpServer bad = TestHttpServer.http1(r -> Reply.status(503))) {
      proxy =
          ProxyHarness.start(
              bootstrap(
                  "",
                  IDEMPOTENT_RETRY_ROUTE.replace(
                      "num_retries: 3",
                      "num_retries: 3\n      retry_host_predicate:\n      - name: envoy.retry_host_predicates.previous_hosts"),
                  staticCluster(
                      "backend",
                      """
                      outlier_detection:
                        consecutive_5xx: 3
                        interval: 1s
                        base_ejection_time: 30s
                        max_ejection_percent: 50
                      """,
                      upstream.port(),
                      good2.port(),
                      bad.port())));

      int ok = 0;
      int total = 1000;
      for (int i = 0; i < total; i++) {
        if (proxy.get("/" + i).statusCode() == 200) {
          ok++;
        }
      }

      assertThat(ok * 1000 / total).isGreaterThanOrEqualTo(999);
      assertThat(proxy.stat("cluster.backend.outlier_detection.ejections_active")).isEqualTo(1);
      assertThat(bad.received().size()).isLessThanOrEqualTo(3);
      assertThat(proxy.admin("/clusters"))
          .contains("backend::127.0.0.1:" + bad.port() + "::health_flags::/failed_outlier_check");
    }
  }

  @Test
  void withAllHostsEjectedAndPanicThresholdZeroItFailsFastWithoutTheNetwork() throws Exception {
    upstream = TestHttpServer.http1(r -> Reply.status(503));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster(
                    "backend",
                    """
                    common_lb_config: { healthy_panic_threshold: { value: 0 } }
                    outlier_detection:
                      consecutive_5xx: 2
                      base_ejection_time: 30s
                      max_ejection_percent: 100
                    """,
                    upstream.port())));
    proxy.get("/1");
    proxy.get("/2"); // the second consecutive 5xx ejects the only host

    HttpResponse<String> r = proxy.get("/3");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("no healthy upstream");
    assertThat(upstream.received()).hasSize(2);
    assertThat(proxy.stat("cluster.backend.attache.breaker_state")).isEqualTo(1); // OPEN
    assertThat(proxy.stat("cluster.backend.attache.breaker_last_transition_epoch_ms"))
        .isGreaterThan(System.currentTimeMillis() - 60_000);
    assertThat(proxy.admin("/stats/prometheus"))
        .contains("envoy_cluster_attache_breaker_state{envoy_cluster_name=\"backend\"} 1");
  }

  @Test
  void aSilentAttemptHitsThePerTryIdleTimeoutAndIsRetriedOnAnotherHost() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("alive"));
    try (ServerSocket silent = new ServerSocket(0)) { // accepts (backlog), never answers
      proxy =
          ProxyHarness.start(
              bootstrap(
                  "",
                  """
                  - match: { prefix: "/" }
                    route:
                      cluster: backend
                      retry_policy:
                        retry_on: reset
                        num_retries: 2
                        per_try_idle_timeout: 0.2s
                        retry_host_predicate:
                        - name: envoy.retry_host_predicates.previous_hosts
                  """,
                  staticCluster("backend", "", silent.getLocalPort(), upstream.port())));

      for (int i = 0; i < 4; i++) {
        assertThat(proxy.get("/" + i).statusCode()).isEqualTo(200);
      }
      assertThat(proxy.stat("cluster.backend.upstream_rq_timeout")).isPositive();
    }
  }

  @Test
  void maxConnectionsMakesASecondRequestWaitForTheOneConnection() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    upstream =
        TestHttpServer.http1(
            r -> {
              if (calls.incrementAndGet() == 1) {
                try {
                  release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return Reply.ok(r.uri());
            });
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster(
                    "backend",
                    """
                    circuit_breakers:
                      thresholds:
                      - { max_connections: 1 }
                    """,
                    upstream.port())));
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    CompletableFuture<HttpResponse<String>> first =
        client.sendAsync(
            HttpRequest.newBuilder(proxy.uri("/a")).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.received().size() == 1);
    CompletableFuture<HttpResponse<String>> second =
        client.sendAsync(
            HttpRequest.newBuilder(proxy.uri("/b")).build(), HttpResponse.BodyHandlers.ofString());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> proxy.stat("cluster.backend.upstream_cx_overflow") == 1);
    release.countDown();

    assertThat(first.get(5, TimeUnit.SECONDS).body()).isEqualTo("/a");
    assertThat(second.get(5, TimeUnit.SECONDS).body()).isEqualTo("/b");
    assertThat(upstream.connectionsAccepted()).isEqualTo(1);
  }

  @Test
  void faultInjectionAbortsWithoutTouchingTheUpstream() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    staticCluster("backend", "", upstream.port()))
                .replace(
                    "          http_filters:\n",
                    """
                              http_filters:
                              - name: envoy.filters.http.fault
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                                  abort:
                                    http_status: 418
                                    percentage: { numerator: 100, denominator: HUNDRED }
                    """));

    HttpResponse<String> r = proxy.get("/x");

    assertThat(r.statusCode()).isEqualTo(418);
    assertThat(r.body()).isEqualTo("fault filter abort");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.fault.aborts_injected")).isEqualTo(1);
  }
}
