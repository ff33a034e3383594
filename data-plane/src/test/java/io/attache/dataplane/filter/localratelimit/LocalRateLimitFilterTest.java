package io.attache.dataplane.filter.localratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The local rate limit filter on the connection manager's chain, on virtual time. */
class LocalRateLimitFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/own" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.local_ratelimit:
                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                stat_prefix: own_route
                token_bucket: { max_tokens: 1, fill_interval: 60s }
                filter_enabled: { default_value: { numerator: 100 } }
                filter_enforced: { default_value: { numerator: 100 } }
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.local_ratelimit
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
          stat_prefix: limiter
          %s
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String ENABLED_AND_ENFORCED =
      """
      filter_enabled: { default_value: { numerator: 100 } }
      filter_enforced: { default_value: { numerator: 100 } }
      """;

  private StreamHarness harness;

  /** What the downstream received for one request, copied before the buffers are released. */
  private record Answer(int status, HttpHeaders headers, String body) {}

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  private StreamHarness start(String filterConfig) throws Exception {
    return start(filterConfig, RandomSource.seeded(1));
  }

  private StreamHarness start(String filterConfig, RandomSource random) throws Exception {
    String yaml = HCM.formatted(filterConfig.strip().replace("\n", "\n    "));
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml), random, name -> null);
    return harness;
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    return request;
  }

  private Answer send(FullHttpRequest request) {
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(request);
    HttpResponse response =
        (HttpResponse)
            harness.downstream.written.stream()
                .filter(HttpResponse.class::isInstance)
                .findFirst()
                .orElseThrow();
    String body =
        response instanceof FullHttpResponse full
            ? full.content().toString(StandardCharsets.UTF_8)
            : "";
    Answer answer = new Answer(response.status().code(), response.headers().copy(), body);
    return answer;
  }

  @Test
  void aBucketOfTwoLetsTwoRequestsThroughThenAnswers429UntilTheNextFill() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 2, tokens_per_fill: 1, fill_interval: 1s }
        """
            + ENABLED_AND_ENFORCED);

    assertThat(send(get("/a")).status()).isEqualTo(200);
    assertThat(send(get("/a")).status()).isEqualTo(200);
    Answer limited = send(get("/a"));

    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.body()).isEqualTo("local_rate_limited");
    assertThat(harness.info().hasFlag(ResponseFlag.RATE_LIMITED)).isTrue();
    assertThat(harness.info().responseCodeDetails()).isEqualTo("local_rate_limited");

    harness.time.advance(Duration.ofMillis(999));
    assertThat(send(get("/a")).status()).as("one millisecond before the fill").isEqualTo(429);
    harness.time.advance(Duration.ofMillis(1));
    assertThat(send(get("/a")).status()).as("the fill added one token").isEqualTo(200);
    assertThat(send(get("/a")).status()).isEqualTo(429);

    assertThat(harness.counter("limiter.http_local_rate_limit.enabled")).isEqualTo(6);
    assertThat(harness.counter("limiter.http_local_rate_limit.ok")).isEqualTo(3);
    assertThat(harness.counter("limiter.http_local_rate_limit.rate_limited")).isEqualTo(3);
    assertThat(harness.counter("limiter.http_local_rate_limit.enforced")).isEqualTo(3);
  }

  @Test
  void fillsNeverRaiseTheBucketAboveMaxTokens() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 2, tokens_per_fill: 5, fill_interval: 1s }
        """
            + ENABLED_AND_ENFORCED);
    send(get("/"));
    send(get("/"));

    harness.time.advance(Duration.ofSeconds(30));

    assertThat(send(get("/")).status()).isEqualTo(200);
    assertThat(send(get("/")).status()).isEqualTo(200);
    assertThat(send(get("/")).status()).isEqualTo(429);
  }

  @Test
  void withoutFilterEnabledTheFilterCountsAndLimitsNothing() throws Exception {
    start("token_bucket: { max_tokens: 1, fill_interval: 1s }");

    assertThat(send(get("/")).status()).isEqualTo(200);
    assertThat(send(get("/")).status()).isEqualTo(200);

    assertThat(harness.counter("limiter.http_local_rate_limit.enabled")).isZero();
  }

  @Test
  void anUnenforcedLimitLetsTheRequestThroughWithTheConfiguredRequestHeader() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 1, fill_interval: 1s }
        filter_enabled: { default_value: { numerator: 100 } }
        request_headers_to_add_when_not_enforced:
        - header: { key: x-local-ratelimited, value: "true" }
        """);
    FullHttpRequest first = get("/");
    send(first);
    FullHttpRequest second = get("/");
    Answer answer = send(second);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(first.headers().contains("x-local-ratelimited")).isFalse();
    assertThat(second.headers().get("x-local-ratelimited")).isEqualTo("true");
    assertThat(harness.counter("limiter.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(harness.counter("limiter.http_local_rate_limit.enforced")).isZero();
  }

  @Test
  void xRateLimitHeadersReportTheBucketOnAllowedAndLimitedResponses() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 2, fill_interval: 60s }
        enable_x_ratelimit_headers: DRAFT_VERSION_03
        """
            + ENABLED_AND_ENFORCED);

    Answer first = send(get("/"));
    assertThat(first.headers().get("x-ratelimit-limit")).isEqualTo("2");
    assertThat(first.headers().get("x-ratelimit-remaining")).isEqualTo("1");
    assertThat(first.headers().get("x-ratelimit-reset")).as("a token is left").isEqualTo("0");

    // 10.5 s refill 0.175 of a token (one per 60 s): the next whole one is 49.5 s away.
    harness.time.advance(Duration.ofMillis(10_500));
    send(get("/"));
    Answer limited = send(get("/"));

    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.headers().get("x-ratelimit-limit")).isEqualTo("2");
    assertThat(limited.headers().get("x-ratelimit-remaining")).isEqualTo("0");
    assertThat(limited.headers().get("x-ratelimit-reset")).as("rounded up").isEqualTo("50");
  }

  @Test
  void theConfiguredStatusAndResponseHeadersShapeTheLocalReply() throws Exception {
    start(
        """
        status: { code: ServiceUnavailable }
        token_bucket: { max_tokens: 1, fill_interval: 1s }
        response_headers_to_add:
        - header: { key: x-local-rate-limit, value: "true" }
        """
            + ENABLED_AND_ENFORCED);
    send(get("/"));

    Answer limited = send(get("/"));

    assertThat(limited.status()).isEqualTo(503);
    assertThat(limited.headers().get("x-local-rate-limit")).isEqualTo("true");
  }

  @Test
  void aGrpcRequestOverTheLimitGetsResourceExhaustedWhenAskedFor() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 1, fill_interval: 1s }
        rate_limited_as_resource_exhausted: true
        """
            + ENABLED_AND_ENFORCED);
    FullHttpRequest grpc = get("/svc/Method");
    grpc.headers().set("content-type", "application/grpc");
    send(grpc);
    FullHttpRequest again = get("/svc/Method");
    again.headers().set("content-type", "application/grpc");

    Answer limited = send(again);

    assertThat(limited.status()).isEqualTo(200);
    assertThat(limited.headers().get("grpc-status")).isEqualTo("8");
    assertThat(limited.headers().get("grpc-message")).isEqualTo("local_rate_limited");
  }

  @Test
  void aRouteWithItsOwnConfigHasItsOwnBucketAndStats() throws Exception {
    start("token_bucket: { max_tokens: 5, fill_interval: 1s }\n" + ENABLED_AND_ENFORCED);

    // The route forwards to a cluster the harness does not have: 503 means the limit let it pass.
    assertThat(send(get("/own")).status()).isEqualTo(503);
    assertThat(send(get("/own")).status()).isEqualTo(429);
    assertThat(send(get("/other")).status())
        .as("the listener's bucket is untouched by the route's requests")
        .isEqualTo(200);

    assertThat(harness.counter("own_route.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(harness.counter("own_route.http_local_rate_limit.ok")).isEqualTo(1);
    assertThat(harness.counter("limiter.http_local_rate_limit.ok")).isEqualTo(1);
  }

  @Test
  void aDescriptorFromARequestHeaderHasItsOwnStricterBucket() throws Exception {
    start(
        """
        token_bucket: { max_tokens: 10, fill_interval: 1s }
        descriptors:
        - entries: [ { key: client, value: noisy } ]
          token_bucket: { max_tokens: 1, fill_interval: 2s }
        rate_limits:
        - actions:
          - request_headers: { header_name: x-client, descriptor_key: client }
        enable_x_ratelimit_headers: DRAFT_VERSION_03
        """
            + ENABLED_AND_ENFORCED);
    FullHttpRequest noisy = get("/");
    noisy.headers().set("x-client", "noisy");
    Answer first = send(noisy);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.headers().get("x-ratelimit-limit"))
        .as("the descriptor's bucket")
        .isEqualTo("1");

    FullHttpRequest again = get("/");
    again.headers().set("x-client", "noisy");
    assertThat(send(again).status()).isEqualTo(429);

    FullHttpRequest quiet = get("/");
    quiet.headers().set("x-client", "quiet");
    assertThat(send(quiet).status()).isEqualTo(200);
    assertThat(send(get("/")).status()).as("no header: no descriptor").isEqualTo(200);
  }

  @Test
  void aHalfEnforcedLimitDrawsEachLimitedRequestFromTheInjectedRandom() throws Exception {
    // A scripted source: the enforcement draw alternates 0 (enforced) and 99 (not enforced).
    long[] draws = {0, 99};
    int[] next = {0};
    RandomSource scripted =
        new RandomSource() {
          @Override
          public long nextLong() {
            return nextLong(Long.MAX_VALUE);
          }

          @Override
          public long nextLong(long bound) {
            return draws[next[0]++ % draws.length] % bound;
          }
        };
    start(
        """
        token_bucket: { max_tokens: 1, fill_interval: 1s }
        filter_enabled: { default_value: { numerator: 100 } }
        filter_enforced: { default_value: { numerator: 50 } }
        """,
        scripted);
    send(get("/"));

    assertThat(send(get("/")).status()).isEqualTo(429);
    assertThat(send(get("/")).status()).isEqualTo(200);
    assertThat(harness.counter("limiter.http_local_rate_limit.rate_limited")).isEqualTo(2);
    assertThat(harness.counter("limiter.http_local_rate_limit.enforced")).isEqualTo(1);
  }

  /**
   * The shape of Envoy's local-rate-limit-with-descriptors example: the filter has no bucket of its
   * own, the route's config has the descriptors, the route's and virtual host's {@code rate_limits}
   * make them.
   */
  private static final String ROUTE_RATE_LIMITS_HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          rate_limits:
          - actions: [ { generic_key: { descriptor_value: vh } } ]
          routes:
          - match: { prefix: "/foo" }
            route:
              cluster: absent
              rate_limits:
              - actions:
                - request_headers: { header_name: x-client, descriptor_key: client_cluster }
                - request_headers: { header_name: ":path", descriptor_key: path }
              - stage: 1
                actions: [ { generic_key: { descriptor_value: second_stage } } ]
              - disable_key: never
                actions: [ { generic_key: { descriptor_value: disabled } } ]
            typed_per_filter_config:
              envoy.filters.http.local_ratelimit:
                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                stat_prefix: test
                token_bucket: { max_tokens: 1000, tokens_per_fill: 1000, fill_interval: 60s }
                filter_enabled: { default_value: { numerator: 100 } }
                filter_enforced: { default_value: { numerator: 100 } }
                %s
                descriptors:
                - entries: [ { key: client_cluster, value: foo }, { key: path, value: /foo/bar } ]
                  token_bucket: { max_tokens: 2, tokens_per_fill: 2, fill_interval: 60s }
                - entries: [ { key: generic_key, value: vh } ]
                  token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
                - entries: [ { key: generic_key, value: second_stage } ]
                  token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
                - entries: [ { key: generic_key, value: disabled } ]
                  token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
          - match: { prefix: "/" }
            direct_response: { status: 200 }
      http_filters:
      - name: envoy.filters.http.local_ratelimit
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
          stat_prefix: http_local_rate_limiter
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  /** Forwarded to an absent cluster: 503 means the request got past the limiter. */
  private static final int PASSED = 503;

  private void startWithRouteRateLimits(String routeOptions) throws Exception {
    String yaml = ROUTE_RATE_LIMITS_HCM.formatted(routeOptions);
    harness =
        new StreamHarness(
            yaml, StreamHarness.configuredFilters(yaml), RandomSource.seeded(1), name -> null);
  }

  private static FullHttpRequest from(String client, String path) {
    FullHttpRequest request = get(path);
    request.headers().set("x-client", client);
    return request;
  }

  @Test
  void theRoutesRateLimitsMakeTheDescriptorThatSelectsTheRoutesBucket() throws Exception {
    startWithRouteRateLimits("");

    assertThat(send(from("foo", "/foo/bar")).status()).isEqualTo(PASSED);
    assertThat(send(from("foo", "/foo/bar")).status()).isEqualTo(PASSED);
    assertThat(send(from("foo", "/foo/bar")).status()).isEqualTo(429);
    assertThat(send(from("bar", "/foo/bar")).status())
        .as("another client makes a descriptor no bucket matches: the route's default bucket")
        .isEqualTo(PASSED);
    assertThat(send(get("/foo/bar")).status())
        .as("without x-client the action yields nothing and no descriptor is made")
        .isEqualTo(PASSED);
    assertThat(harness.counter("test.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(harness.counter("test.http_local_rate_limit.ok")).isEqualTo(4);

    harness.time.advance(Duration.ofSeconds(30));
    assertThat(send(from("foo", "/foo/bar")).status())
        .as("half the fill interval refilled one of the two tokens")
        .isEqualTo(PASSED);
    assertThat(send(from("foo", "/foo/bar")).status()).isEqualTo(429);
  }

  @Test
  void theVirtualHostsRateLimitsApplyOnlyWhenVhRateLimitsIncludesThem() throws Exception {
    startWithRouteRateLimits("");
    assertThat(send(from("x", "/foo/a")).status()).isEqualTo(PASSED);
    assertThat(send(from("x", "/foo/a")).status())
        .as("OVERRIDE (the default): the route has rate_limits, so the virtual host's are unused")
        .isEqualTo(PASSED);

    harness.downstream.releaseAll();
    startWithRouteRateLimits("vh_rate_limits: INCLUDE");
    assertThat(send(from("x", "/foo/a")).status()).isEqualTo(PASSED);
    assertThat(send(from("x", "/foo/a")).status())
        .as("INCLUDE: generic_key=vh selects its bucket of one")
        .isEqualTo(429);
  }

  @Test
  void onlyTheRateLimitsOfTheFiltersStageApplyAndADisableKeySkipsOne() throws Exception {
    startWithRouteRateLimits("");
    assertThat(send(from("x", "/foo/a")).status()).isEqualTo(PASSED);
    assertThat(send(from("x", "/foo/a")).status())
        .as("stage 0: neither the stage-1 entry nor the one with a disable_key applies")
        .isEqualTo(PASSED);

    harness.downstream.releaseAll();
    startWithRouteRateLimits("stage: 1");
    assertThat(send(from("foo", "/foo/bar")).status()).isEqualTo(PASSED);
    assertThat(send(from("foo", "/foo/bar")).status())
        .as("stage 1: only generic_key=second_stage, whose bucket holds one")
        .isEqualTo(429);
  }
}
