package io.attache.dataplane.filter.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.router.RecordingCluster;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The health-check filter on the connection manager's chain, on virtual time: answered by the proxy
 * from its own health and its clusters', or passed through with the upstream's answer cached for
 * {@code cache_time}. A terminal filter stands in for the upstream and answers with {@link
 * #upstreamStatus}.
 */
class HealthCheckFilterTest {
  private static String hcm(String filterConfig) {
    return """
        stat_prefix: ingress
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/" }
              route: { cluster: backend }
        http_filters:
        - name: envoy.filters.http.health_check
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
        %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
        .formatted(filterConfig.indent(4).stripTrailing());
  }

  private static final String HEADERS =
      """
      headers:
      - name: ":path"
        string_match: { exact: "/healthz" }
      """;

  private final StatsStore clusterStats = new StatsStore();
  private final List<String> upstreamSaw = new ArrayList<>();
  private int upstreamStatus = 200;

  private StreamHarness harness(String filterConfig) throws Exception {
    String yaml = hcm(filterConfig);
    var configured = StreamHarness.configuredFilters(yaml);
    StreamHarness harness =
        new StreamHarness(
            yaml,
            context -> {
              List<FilterChainEntry> chain = new ArrayList<>(configured.apply(context));
              chain.set(
                  chain.size() - 1,
                  StreamHarness.entry(
                      "terminal", callbacks -> callbacks.addStreamDecoderFilter(new Upstream())));
              return chain;
            },
            RandomSource.seeded(1),
            name ->
                name.equals("backend")
                    ? new RecordingCluster(name, clusterStats, RandomSource.seeded(1))
                    : null);
    return harness;
  }

  /** Answers every request that reaches it with {@link #upstreamStatus}. */
  private final class Upstream implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      upstreamSaw.add(request.uri());
      callbacks.encodeHeaders(
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(upstreamStatus)),
          true);
      return FilterHeadersStatus.STOP_ITERATION;
    }
  }

  private static HttpResponse send(StreamHarness harness, String path) {
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    HttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    harness.request(request);
    return (HttpResponse)
        harness.downstream.written.stream()
            .filter(HttpResponse.class::isInstance)
            .findFirst()
            .orElseThrow();
  }

  /** The cluster's membership gauges, in the proxy's one stats store as the cluster keeps them. */
  private static void membership(StreamHarness h, long total, long healthy, long degraded) {
    h.stats.gauge("cluster.backend.membership_total").set(total);
    h.stats.gauge("cluster.backend.membership_healthy").set(healthy);
    h.stats.gauge("cluster.backend.membership_degraded").set(degraded);
  }

  @Test
  void outsidePassThroughModeTheProxyAnswersHealthChecksItselfAndOtherRequestsPass()
      throws Exception {
    StreamHarness h = harness("pass_through_mode: false\n" + HEADERS);

    HttpResponse check = send(h, "/healthz");
    assertThat(check.status().code()).isEqualTo(200);
    assertThat(check.headers().get("x-envoy-upstream-healthchecked-cluster"))
        .isEqualTo("front-proxy");
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_ok");
    assertThat(upstreamSaw).isEmpty();

    upstreamStatus = 204;
    assertThat(send(h, "/other").status().code()).isEqualTo(204);
    assertThat(upstreamSaw).containsExactly("/other");
    h.downstream.releaseAll();
  }

  @Test
  void aProxyThatFailsHealthChecksAnswers503AndMarksItsOtherResponses() throws Exception {
    StreamHarness h = harness("pass_through_mode: true\n" + HEADERS);
    h.healthCheckFailed.set(true);

    HttpResponse check = send(h, "/healthz");
    assertThat(check.status().code()).isEqualTo(503);
    assertThat(h.info().hasFlag(ResponseFlag.FAILED_LOCAL_HEALTH_CHECK)).isTrue();
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_failed");
    assertThat(upstreamSaw).isEmpty();

    HttpResponse other = send(h, "/other");
    assertThat(other.status().code()).isEqualTo(200);
    assertThat(other.headers().get("x-envoy-immediate-health-check-fail")).isEqualTo("true");
    h.downstream.releaseAll();
  }

  @Test
  void clusterMinHealthyPercentagesDecideTheAnswer() throws Exception {
    StreamHarness h =
        harness(
            "pass_through_mode: false\n"
                + HEADERS
                + "cluster_min_healthy_percentages:\n  backend: { value: 50 }\n");

    membership(h, 4, 1, 1);
    assertThat(send(h, "/healthz").status().code()).isEqualTo(200);
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_ok_cluster_healthy");

    membership(h, 4, 1, 0);
    assertThat(send(h, "/healthz").status().code()).isEqualTo(503);
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_failed_cluster_unhealthy");
    assertThat(h.info().hasFlag(ResponseFlag.FAILED_LOCAL_HEALTH_CHECK)).isTrue();

    membership(h, 0, 0, 0);
    assertThat(send(h, "/healthz").status().code()).isEqualTo(503);
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_failed_cluster_empty");
    h.downstream.releaseAll();
  }

  @Test
  void aMissingClusterFailsTheHealthCheck() throws Exception {
    StreamHarness h =
        harness(
            "pass_through_mode: false\n"
                + HEADERS
                + "cluster_min_healthy_percentages:\n  absent: { value: 0 }\n");

    assertThat(send(h, "/healthz").status().code()).isEqualTo(503);
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_failed_no_cluster_found");
    h.downstream.releaseAll();
  }

  @Test
  void inPassThroughModeTheUpstreamsAnswerIsReusedForCacheTime() throws Exception {
    StreamHarness h = harness("pass_through_mode: true\ncache_time: 5s\n" + HEADERS);

    upstreamStatus = 503;
    assertThat(send(h, "/healthz").status().code()).isEqualTo(503);
    assertThat(upstreamSaw).hasSize(1);

    upstreamStatus = 200;
    h.time.advance(Duration.ofSeconds(2));
    HttpResponse cached = send(h, "/healthz");
    assertThat(cached.status().code()).isEqualTo(503);
    assertThat(h.info().responseCodeDetails()).isEqualTo("health_check_cached");
    assertThat(upstreamSaw).hasSize(1);

    h.time.advance(Duration.ofSeconds(3)); // the cache is cleared every 5 s from the start
    assertThat(send(h, "/healthz").status().code()).isEqualTo(200);
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void eachOwnAnswerCountsInEnvoysHealthCheckStatsAndAPassedThroughCheckInNone() throws Exception {
    StreamHarness h =
        harness(
            "pass_through_mode: false\n"
                + HEADERS
                + "cluster_min_healthy_percentages:\n  backend: { value: 50 }\n");
    membership(h, 4, 2, 0);
    send(h, "/healthz");
    membership(h, 4, 1, 0);
    send(h, "/healthz");
    membership(h, 0, 0, 0);
    send(h, "/healthz");
    send(h, "/other");

    String p = "http.ingress.health_check.";
    assertThat(h.stats.counter(p + "request_total").value()).isEqualTo(3);
    assertThat(h.stats.counter(p + "ok").value()).isEqualTo(1);
    assertThat(h.stats.counter(p + "failed").value()).isEqualTo(2);
    assertThat(h.stats.counter(p + "failed_cluster_unhealthy").value()).isEqualTo(1);
    assertThat(h.stats.counter(p + "failed_cluster_empty").value()).isEqualTo(1);
    assertThat(h.stats.counter(p + "failed_cluster_not_found").value()).isZero();

    StreamHarness passing = harness("pass_through_mode: true\ncache_time: 5s\n" + HEADERS);
    send(passing, "/healthz");
    assertThat(passing.stats.counter(p + "request_total").value()).isZero();
    send(passing, "/healthz");
    assertThat(passing.stats.counter(p + "request_total").value()).isEqualTo(1);
    assertThat(passing.stats.counter(p + "cached_response").value()).isEqualTo(1);
    assertThat(passing.stats.counter(p + "ok").value()).isEqualTo(1);
    h.downstream.releaseAll();
    passing.downstream.releaseAll();
  }
}
