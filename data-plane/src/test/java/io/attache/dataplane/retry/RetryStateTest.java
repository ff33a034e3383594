package io.attache.dataplane.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.retry.RetryState.BodyBuffering;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.CircuitBreakerSettings.PerHostThresholds;
import io.attache.dataplane.upstream.CircuitBreakerSettings.Thresholds;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RetryStateTest {
  private static final long NOW_EPOCH_SECONDS = 1_700_000_000L;

  private final StatsStore stats = new StatsStore();
  private final ScriptedRandom random = new ScriptedRandom();
  private final Clock clock = Clock.fixed(Instant.ofEpochSecond(NOW_EPOCH_SECONDS), ZoneOffset.UTC);
  private ResourceManager breaker =
      ResourceManager.create(
          "backend", RoutingPriority.DEFAULT, CircuitBreakerSettings.DEFAULTS, stats);

  private ClusterRetryContext cluster(RandomSource randomSource) {
    return new ClusterRetryContext(breaker, new RetryStats(stats, "backend"), randomSource, clock);
  }

  private ClusterRetryContext cluster() {
    return cluster(random);
  }

  private static RetryPolicyConfig policy(RetryPolicy.Builder proto) {
    try {
      return RetryPolicyConfig.from(proto.build(), "retry_policy");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static RetryPolicyConfig policy(String retryOn) {
    return policy(RetryPolicy.newBuilder().setRetryOn(retryOn));
  }

  private static HttpRequest get(String... headerPairs) {
    return request(HttpMethod.GET, headerPairs);
  }

  private static HttpRequest request(HttpMethod method, String... headerPairs) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/items/1");
    request.headers().set("host", "backend.example");
    for (int i = 0; i < headerPairs.length; i += 2) {
      request.headers().add(headerPairs[i], headerPairs[i + 1]);
    }
    return request;
  }

  private static HttpHeaders headers(String... pairs) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (int i = 0; i < pairs.length; i += 2) {
      headers.add(pairs[i], pairs[i + 1]);
    }
    return headers;
  }

  private RetryState state(RetryPolicyConfig policy, HttpRequest request) {
    return RetryState.create(policy, request, "http", cluster());
  }

  private long counter(String stat) {
    return stats.counter("cluster.backend." + stat).value();
  }

  /** The first decision for one outcome under {@code retryOn}, with a draw ready for back-off. */
  private RetryStatus firstDecision(RetryPolicyConfig policy, Outcome outcome) {
    random.then(0);
    RetryState state = state(policy, get());
    RetryStatus status = outcome.report(state);
    state.finish();
    return status;
  }

  private interface Outcome {
    RetryStatus report(RetryState state);
  }

  private static Outcome response(int status, String... headerPairs) {
    return state -> state.shouldRetryHeaders(status, headers(headerPairs));
  }

  private static Outcome reset(ResetReason reason, boolean started) {
    return state -> state.shouldRetryReset(reason, started);
  }

  private void assertRetries(String retryOn, Outcome... outcomes) {
    for (Outcome outcome : outcomes) {
      assertThat(firstDecision(policy(retryOn), outcome)).as(retryOn).isEqualTo(RetryStatus.YES);
    }
  }

  private void assertDoesNotRetry(String retryOn, Outcome... outcomes) {
    for (Outcome outcome : outcomes) {
      assertThat(firstDecision(policy(retryOn), outcome))
          .as(retryOn)
          .isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    }
  }

  // ---------------------------------------------------------------- back-off

  @Test
  void schedulesTheExactJitteredBackOffForScriptedDraws() {
    RetryPolicyConfig policy =
        policy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(6)));
    // Envoy draws random() % interval; intervals 25, 50, 100, 200, 250, 250 ms.
    random.then(7, 49, 1000, 399, 249, 260);
    RetryState state = state(policy, get());

    List<Long> delays = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
      delays.add(state.nextBackOff().toMillis());
    }

    assertThat(delays).containsExactly(7L, 49L, 0L, 199L, 249L, 10L);
    assertThat(random.draws())
        .containsExactly(
            "nextLong(25)=7",
            "nextLong(50)=49",
            "nextLong(100)=1000",
            "nextLong(200)=399",
            "nextLong(250)=249",
            "nextLong(250)=260");
    assertThat(counter("upstream_rq_retry")).isEqualTo(6);
    assertThat(counter("upstream_rq_retry_backoff_exponential")).isEqualTo(6);
    assertThat(counter("upstream_rq_retry_backoff_ratelimited")).isZero();
  }

  @Test
  void usesTheConfiguredBaseAndCap() {
    RetryPolicyConfig policy =
        policy(
            RetryPolicy.newBuilder()
                .setRetryOn("5xx")
                .setNumRetries(UInt32Value.of(3))
                .setRetryBackOff(
                    RetryPolicy.RetryBackOff.newBuilder()
                        .setBaseInterval(Durations.fromMillis(100))
                        .setMaxInterval(Durations.fromMillis(150))));
    random.then(99, 149, 149);
    RetryState state = state(policy, get());

    for (long expected : new long[] {99, 149, 149}) {
      assertThat(state.shouldRetryHeaders(500, headers())).isEqualTo(RetryStatus.YES);
      assertThat(state.nextBackOff()).isEqualTo(Duration.ofMillis(expected));
    }
    // Intervals 100 then capped at 150 (100 is not below 150/2, so it jumps to the max).
    assertThat(random.draws())
        .containsExactly("nextLong(100)=99", "nextLong(150)=149", "nextLong(150)=149");
  }

  @Test
  void refusesToGiveABackOffWithoutAYes() {
    RetryState state = state(policy("5xx"), get());
    assertThatThrownBy(state::nextBackOff).isInstanceOf(IllegalStateException.class);
    state.shouldRetryHeaders(200, headers());
    assertThatThrownBy(state::nextBackOff).isInstanceOf(IllegalStateException.class);
  }

  // ---------------------------------------------------------------- retry_on conditions

  @Test
  void fiveXxRetriesEvery5xxAndEveryResetButNotOverflow() {
    assertRetries(
        "5xx",
        response(500),
        response(503),
        response(599),
        reset(ResetReason.REMOTE_RESET, true),
        reset(ResetReason.CONNECTION_FAILURE, false),
        reset(ResetReason.LOCAL_RESET, true),
        reset(ResetReason.REMOTE_REFUSED_STREAM, true));
    assertDoesNotRetry(
        "5xx", response(200), response(404), response(499), reset(ResetReason.OVERFLOW, false));
  }

  @Test
  void gatewayErrorRetriesOnly502To504AndResets() {
    assertRetries(
        "gateway-error",
        response(502),
        response(503),
        response(504),
        reset(ResetReason.CONNECTION_TERMINATION, true));
    assertDoesNotRetry("gateway-error", response(500), response(501), response(505));
  }

  @Test
  void resetRetriesAnyResetButNoResponse() {
    assertRetries(
        "reset",
        reset(ResetReason.REMOTE_RESET, true),
        reset(ResetReason.CONNECTION_TERMINATION, true),
        reset(ResetReason.PROTOCOL_ERROR, true),
        reset(ResetReason.CONNECTION_TIMEOUT, false));
    assertDoesNotRetry("reset", response(503), reset(ResetReason.OVERFLOW, true));
  }

  @Test
  void resetBeforeRequestRetriesOnlyWhenNothingWasSent() {
    assertRetries("reset-before-request", reset(ResetReason.REMOTE_RESET, false));
    assertDoesNotRetry(
        "reset-before-request", reset(ResetReason.REMOTE_RESET, true), response(503));
  }

  @Test
  void connectFailureRetriesConnectionFailuresAndTimeoutsOnly() {
    assertRetries(
        "connect-failure",
        reset(ResetReason.CONNECTION_FAILURE, false),
        reset(ResetReason.CONNECTION_TIMEOUT, false));
    assertDoesNotRetry(
        "connect-failure",
        reset(ResetReason.REMOTE_RESET, true),
        reset(ResetReason.LOCAL_RESET, true),
        response(503));
  }

  @Test
  void retriable4xxMeans409Only() {
    assertRetries("retriable-4xx", response(409));
    assertDoesNotRetry("retriable-4xx", response(400), response(401), response(429));
  }

  @Test
  void refusedStreamRetriesOnlyARefusedStream() {
    assertRetries("refused-stream", reset(ResetReason.REMOTE_REFUSED_STREAM, true));
    assertDoesNotRetry("refused-stream", reset(ResetReason.REMOTE_RESET, true), response(503));
  }

  @Test
  void retriableStatusCodesRetriesTheListedCodes() {
    RetryPolicyConfig policy =
        policy(
            RetryPolicy.newBuilder()
                .setRetryOn("retriable-status-codes")
                .addAllRetriableStatusCodes(List.of(429, 503)));
    assertThat(firstDecision(policy, response(429))).isEqualTo(RetryStatus.YES);
    assertThat(firstDecision(policy, response(503))).isEqualTo(RetryStatus.YES);
    assertThat(firstDecision(policy, response(500))).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(firstDecision(policy, reset(ResetReason.REMOTE_RESET, true)))
        .isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    // The codes alone do nothing without the condition.
    assertDoesNotRetry("retriable-status-codes", response(429));
  }

  @Test
  void retriableHeadersRetriesResponsesMatchingAMatcher() {
    RetryPolicyConfig policy =
        policy(
            RetryPolicy.newBuilder()
                .setRetryOn("retriable-headers")
                .addRetriableHeaders(HeaderMatcher.newBuilder().setName("x-upstream-retry"))
                .addRetriableHeaders(
                    HeaderMatcher.newBuilder().setName(":status").setExactMatch("418")));
    assertThat(firstDecision(policy, response(200, "X-Upstream-Retry", "1")))
        .isEqualTo(RetryStatus.YES);
    assertThat(firstDecision(policy, response(418))).isEqualTo(RetryStatus.YES);
    assertThat(firstDecision(policy, response(500))).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
  }

  @Test
  void envoyRatelimitedRetriesOnlyResponsesFromAnUpstreamRateLimiter() {
    assertRetries("envoy-ratelimited", response(429, "x-envoy-ratelimited", "true"));
    assertDoesNotRetry("envoy-ratelimited", response(429), response(503));
    // The header short-circuits every other condition.
    assertDoesNotRetry("5xx", response(503, "x-envoy-ratelimited", "true"));
  }

  @Test
  void http3PostConnectFailureIsAcceptedButNeverFiresWithoutHttp3Upstreams() {
    assertDoesNotRetry(
        "http3-post-connect-failure",
        reset(ResetReason.REMOTE_RESET, true),
        reset(ResetReason.CONNECTION_FAILURE, false),
        response(503));
  }

  @Test
  void grpcConditionsReadGrpcStatusFromResponseHeaders() {
    String[][] cases = {
      {"cancelled", "1"},
      {"deadline-exceeded", "4"},
      {"resource-exhausted", "8"},
      {"internal", "13"},
      {"unavailable", "14"}
    };
    for (String[] c : cases) {
      assertRetries(c[0], response(200, "grpc-status", c[1]));
      assertDoesNotRetry(
          c[0],
          response(200, "grpc-status", "0"),
          response(200, "grpc-status", "2"),
          response(200),
          response(503));
    }
    assertDoesNotRetry("unavailable", response(200, "grpc-status", "13"));
    assertDoesNotRetry("unavailable", response(200, "grpc-status", "x14"));
  }

  @Test
  void grpcStatusFromTrailersIsReadTheSameWayWhenTheCallerAsks() {
    HttpHeaders trailers = headers("grpc-status", "14", "grpc-message", "try later");
    assertThat(RetryState.grpcStatusOf(trailers)).hasValue(14);
    assertThat(RetryState.grpcStatusOf(headers("grpc-status", "99"))).isEmpty();
    assertThat(RetryState.grpcStatusOf(headers())).isEmpty();

    random.then(3);
    RetryState state = state(policy("unavailable,internal"), get());
    assertThat(state.shouldRetryGrpcStatus(RetryState.grpcStatusOf(trailers)))
        .isEqualTo(RetryStatus.YES);
    assertThat(state.shouldRetryGrpcStatus(OptionalInt.of(0)))
        .isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(counter("upstream_rq_retry_success")).isEqualTo(1);
    assertThat(state.shouldRetryGrpcStatus(OptionalInt.empty()))
        .isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
  }

  // ---------------------------------------------------------------- limits and accounting

  @Test
  void retriesOn503TwiceThenCountsTheSuccess() {
    random.then(1, 2);
    RetryState state =
        state(
            policy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))),
            get());

    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    assertThat(breaker.retries().count()).isEqualTo(1);
    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    assertThat(breaker.retries().count()).isEqualTo(1);
    assertThat(state.shouldRetryHeaders(200, headers())).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(breaker.retries().count()).isZero();
    state.finish();

    assertThat(counter("upstream_rq_retry")).isEqualTo(2);
    assertThat(counter("upstream_rq_retry_success")).isEqualTo(1);
    assertThat(counter("upstream_rq_retry_limit_exceeded")).isZero();
  }

  @Test
  void stopsAtNumRetriesAndCountsTheLimit() {
    random.then(0);
    RetryState state = state(policy("5xx"), get());

    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    RetryStatus second = state.shouldRetryHeaders(503, headers());

    assertThat(second).isEqualTo(RetryStatus.NO_RETRY_LIMIT_EXCEEDED);
    assertThat(second.responseFlag()).hasValue(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
    assertThat(counter("upstream_rq_retry_limit_exceeded")).isEqualTo(1);
    assertThat(counter("upstream_rq_retry_success")).isZero();
    assertThat(breaker.retries().count()).isZero();
  }

  @Test
  void xEnvoyMaxRetriesOverridesNumRetries() {
    RetryPolicyConfig policy = policy("5xx");
    HttpRequest request = get("x-envoy-max-retries", "3");

    RetryState honoured = state(policy, request);

    assertThat(honoured.retriesRemaining()).isEqualTo(3);
    assertThat(state(policy, get()).retriesRemaining()).isEqualTo(1);
    assertThat(state(policy, get("x-envoy-max-retries", "lots")).retriesRemaining()).isEqualTo(1);
    RetryState none = state(policy, get("x-envoy-max-retries", "0"));
    assertThat(none.shouldRetryHeaders(503, headers()))
        .isEqualTo(RetryStatus.NO_RETRY_LIMIT_EXCEEDED);

    random.then(0, 0, 0);
    for (int i = 0; i < 3; i++) {
      assertThat(honoured.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    }
    assertThat(honoured.shouldRetryHeaders(503, headers()))
        .isEqualTo(RetryStatus.NO_RETRY_LIMIT_EXCEEDED);
  }

  @Test
  void xEnvoyRetryHeadersTurnRetriesOnWhereThePolicyHasNone() {
    // Only internal requests still carry these here: the connection manager strips them from
    // every other one (trust.RequestTrustTest).
    HttpRequest request =
        get(
            "x-envoy-retry-on",
            "connect-failure, bogus",
            "x-envoy-retry-grpc-on",
            "unavailable,5xx",
            "x-envoy-max-retries",
            "2");

    RetryState internal = state(RetryPolicyConfig.NONE, request);
    assertThat(internal.bodyBuffering()).isEqualTo(BodyBuffering.BUFFER_FOR_REPLAY);
    assertThat(internal.retriesRemaining()).isEqualTo(2);
    random.then(0, 0);
    assertThat(internal.shouldRetryReset(ResetReason.CONNECTION_FAILURE, false))
        .isEqualTo(RetryStatus.YES);
    assertThat(internal.shouldRetryHeaders(200, headers("grpc-status", "14")))
        .isEqualTo(RetryStatus.YES);
    // "5xx" is not a gRPC token, so the grpc header did not add it.
    assertThat(internal.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
  }

  @Test
  void xEnvoyRetriableStatusCodesAndHeaderNamesExtendThePolicy() {
    RetryPolicyConfig policy =
        policy(
            RetryPolicy.newBuilder()
                .setRetryOn("retriable-status-codes,retriable-headers")
                .addRetriableStatusCodes(503)
                .setNumRetries(UInt32Value.of(5)));
    HttpRequest request =
        get(
            "x-envoy-retriable-status-codes",
            "418, nope,425",
            "x-envoy-retriable-header-names",
            "X-Try-Again, x-upstream-retry");
    random.then(0, 0, 0, 0);
    RetryState state = state(policy, request);

    assertThat(state.shouldRetryHeaders(418, headers())).isEqualTo(RetryStatus.YES);
    assertThat(state.shouldRetryHeaders(425, headers())).isEqualTo(RetryStatus.YES);
    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    assertThat(state.shouldRetryHeaders(200, headers("x-try-again", "")))
        .isEqualTo(RetryStatus.YES);
    assertThat(state.shouldRetryHeaders(404, headers())).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
  }

  @Test
  void consumesTheRetryHeadersBeforeForwarding() {
    HttpRequest request =
        get(
            "x-envoy-retry-on",
            "5xx",
            "x-envoy-retry-grpc-on",
            "internal",
            "x-envoy-max-retries",
            "2",
            "x-envoy-retriable-status-codes",
            "418",
            "x-envoy-retriable-header-names",
            "x",
            "x-envoy-upstream-rq-per-try-timeout-ms",
            "10",
            "x-request-id",
            "keep");

    RetryState.consumeRetryHeaders(request.headers());

    assertThat(request.headers().names()).containsExactlyInAnyOrder("host", "x-request-id");
  }

  @Test
  void overflowsWhenTheClusterRetryLimitIsReached() {
    Thresholds oneRetry =
        new Thresholds(1024, 1024, 1024, 1, Optional.empty(), false, OptionalLong.empty());
    breaker =
        ResourceManager.create(
            "backend",
            RoutingPriority.DEFAULT,
            new CircuitBreakerSettings(
                oneRetry, oneRetry, PerHostThresholds.UNLIMITED, PerHostThresholds.UNLIMITED),
            stats);
    random.then(0, 0);
    RetryState first = state(policy("5xx"), get());
    RetryState second = state(policy("5xx"), get());

    assertThat(first.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    RetryStatus overflow = second.shouldRetryHeaders(503, headers());

    assertThat(overflow).isEqualTo(RetryStatus.NO_OVERFLOW);
    assertThat(overflow.responseFlag()).hasValue(ResponseFlag.UPSTREAM_OVERFLOW);
    assertThat(counter("upstream_rq_retry_overflow")).isEqualTo(1);
    assertThat(second.retriesRemaining()).as("Envoy spends the retry anyway").isZero();
    assertThat(stats.gauges().get("cluster.backend.circuit_breakers.default.rq_retry_open").value())
        .isEqualTo(1);

    first.finish();
    first.finish();
    assertThat(breaker.retries().count()).isZero();
    assertThat(stats.gauges().get("cluster.backend.circuit_breakers.default.rq_retry_open").value())
        .isZero();
  }

  @Test
  void retryBudgetAllowsAShareOfActiveRequestsAsConcurrentRetries() {
    Thresholds budget =
        new Thresholds(
            1024,
            1024,
            1024,
            3,
            Optional.of(new CircuitBreakerSettings.RetryBudget(25.0, 1)),
            false,
            OptionalLong.empty());
    breaker =
        ResourceManager.create(
            "backend",
            RoutingPriority.DEFAULT,
            new CircuitBreakerSettings(
                budget, budget, PerHostThresholds.UNLIMITED, PerHostThresholds.UNLIMITED),
            stats);
    for (int i = 0; i < 8; i++) {
      breaker.requests().tryAcquire();
    }
    // 25% of 8 active requests: two concurrent retries, although max_retries alone would give 3.
    random.then(0, 0);
    List<RetryStatus> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(state(policy("5xx"), get()).shouldRetryHeaders(503, headers()));
    }

    assertThat(answers).containsExactly(RetryStatus.YES, RetryStatus.YES, RetryStatus.NO_OVERFLOW);
    assertThat(counter("upstream_rq_retry_overflow")).isEqualTo(1);
  }

  @Test
  void aBodyTooLargeToReplayEndsRetriesAndReleasesTheHeldRetry() {
    random.then(0);
    RetryState state =
        state(
            policy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(3))),
            get());
    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);

    state.disableBecauseBodyTooLarge();
    state.disableBecauseBodyTooLarge();

    assertThat(state.bodyBuffering()).isEqualTo(BodyBuffering.NOT_NEEDED);
    assertThat(breaker.retries().count()).isZero();
    assertThat(counter("retry_or_shadow_abandoned")).isEqualTo(1);
    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(counter("upstream_rq_retry_success")).isZero();
  }

  // ---------------------------------------------------------------- retriable_request_headers

  private static RetryPolicyConfig idempotentOnly() {
    RetryPolicy.Builder proto =
        RetryPolicy.newBuilder().setRetryOn("5xx,connect-failure,reset,retriable-status-codes");
    proto.addRetriableStatusCodes(429);
    for (String method : List.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE")) {
      proto.addRetriableRequestHeaders(
          HeaderMatcher.newBuilder().setName(":method").setExactMatch(method));
    }
    proto.addRetriableRequestHeaders(
        HeaderMatcher.newBuilder().setName("idempotency-key").setPresentMatch(true));
    return policy(proto);
  }

  @Test
  void doesNotRetryPostWithoutIdempotencyKey() {
    RetryState state = state(idempotentOnly(), request(HttpMethod.POST));

    assertThat(state.bodyBuffering()).isEqualTo(BodyBuffering.NOT_NEEDED);
    assertThat(state.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(state.shouldRetryReset(ResetReason.CONNECTION_FAILURE, false))
        .isEqualTo(RetryStatus.NO_NOT_RETRIABLE);
    assertThat(counter("upstream_rq_retry")).isZero();
  }

  @Test
  void retriesGetAndPostWithIdempotencyKeyUnderTheSamePolicy() {
    random.then(0, 0);
    RetryState getState = state(idempotentOnly(), get());
    RetryState keyedPost =
        state(idempotentOnly(), request(HttpMethod.POST, "Idempotency-Key", "a1b2"));

    assertThat(getState.shouldRetryHeaders(429, headers())).isEqualTo(RetryStatus.YES);
    assertThat(keyedPost.shouldRetryHeaders(503, headers())).isEqualTo(RetryStatus.YES);
    assertThat(state(idempotentOnly(), request(HttpMethod.PATCH)).bodyBuffering())
        .isEqualTo(BodyBuffering.NOT_NEEDED);
  }

  // ---------------------------------------------------------------- rate-limited back-off

  private static RetryPolicyConfig rateLimited() {
    return policy(
        RetryPolicy.newBuilder()
            .setRetryOn("retriable-status-codes")
            .addRetriableStatusCodes(429)
            .setNumRetries(UInt32Value.of(5))
            .setRateLimitedRetryBackOff(
                RetryPolicy.RateLimitedRetryBackOff.newBuilder()
                    .addResetHeaders(
                        RetryPolicy.ResetHeader.newBuilder()
                            .setName("Retry-After")
                            .setFormat(RetryPolicy.ResetHeaderFormat.SECONDS))
                    .addResetHeaders(
                        RetryPolicy.ResetHeader.newBuilder()
                            .setName("X-RateLimit-Reset")
                            .setFormat(RetryPolicy.ResetHeaderFormat.UNIX_TIMESTAMP))
                    .setMaxInterval(Durations.fromSeconds(10))));
  }

  @Test
  void waitsBetweenTheResetIntervalAndOneAndAHalfTimesIt() {
    // Retry-After: 2 -> 2000 ms; Envoy draws random() % 1000 and adds 2000.
    random.then(1300);
    RetryState state = state(rateLimited(), get());

    assertThat(state.shouldRetryHeaders(429, headers("Retry-After", "2")))
        .isEqualTo(RetryStatus.YES);
    assertThat(state.nextBackOff()).isEqualTo(Duration.ofMillis(2300));
    assertThat(random.draws()).containsExactly("nextLong(1000)=1300");
    assertThat(counter("upstream_rq_retry_backoff_ratelimited")).isEqualTo(1);
    assertThat(counter("upstream_rq_retry_backoff_exponential")).isZero();
  }

  @Test
  void readsUnixTimestampResetHeadersAgainstTheWallClock() {
    random.then(1);
    RetryState state = state(rateLimited(), get());

    assertThat(
            state.shouldRetryHeaders(
                429, headers("x-ratelimit-reset", Long.toString(NOW_EPOCH_SECONDS + 5))))
        .isEqualTo(RetryStatus.YES);
    assertThat(state.nextBackOff()).isEqualTo(Duration.ofMillis(5001));
    assertThat(random.draws()).containsExactly("nextLong(2500)=1");
  }

  @Test
  void fallsBackToExponentialBackOffWhenNoResetHeaderIsUsable() {
    random.then(3, 4, 5, 6);
    RetryState state = state(rateLimited(), get());

    // Absent; beyond max_interval (60 s > 10 s); in the past; zero seconds.
    state.shouldRetryHeaders(429, headers());
    state.shouldRetryHeaders(429, headers("retry-after", "60"));
    state.shouldRetryHeaders(
        429, headers("x-ratelimit-reset", Long.toString(NOW_EPOCH_SECONDS - 1)));
    state.shouldRetryHeaders(429, headers("retry-after", "0"));

    assertThat(random.draws())
        .containsExactly("nextLong(25)=3", "nextLong(50)=4", "nextLong(100)=5", "nextLong(200)=6");
    assertThat(counter("upstream_rq_retry_backoff_exponential")).isEqualTo(4);
    assertThat(counter("upstream_rq_retry_backoff_ratelimited")).isZero();
  }

  @Test
  void skipsAResetHeaderBeyondTheMaximumForTheNextOne() {
    random.then(0);
    RetryState state = state(rateLimited(), get());

    state.shouldRetryHeaders(
        429,
        headers("retry-after", "3600", "x-ratelimit-reset", Long.toString(NOW_EPOCH_SECONDS + 3)));

    assertThat(state.nextBackOff()).isEqualTo(Duration.ofMillis(3000));
  }

  // ---------------------------------------------------------------- host selection

  @Test
  void avoidsPreviouslyAttemptedHostsOnRetries() {
    RetryPolicyConfig policy =
        policy(
            RetryPolicy.newBuilder()
                .setRetryOn("5xx")
                .addRetryHostPredicate(
                    RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts"))
                .setHostSelectionRetryMaxAttempts(5));
    Host first = TestHosts.healthy("10.0.0.1");
    Host second = TestHosts.healthy("10.0.0.2");
    RetryState state = state(policy, get());

    assertThat(state.lbContext(OptionalLong.of(7))).isEqualTo(LbContext.withHash(7));
    state.onHostAttempted(first);
    LbContext retry = state.lbContext(OptionalLong.empty());

    assertThat(retry.avoid().test(first)).isTrue();
    assertThat(retry.avoid().test(second)).isFalse();
    assertThat(retry.hostSelectionRetryCount()).isEqualTo(5);
    assertThat(state.hostsToAvoid().test(first)).isTrue();
    assertThat(state.hostSelectionRetryMaxAttempts()).isEqualTo(5);
  }

  @Test
  void avoidsNoHostWithoutThePreviousHostsPredicate() {
    Host host = TestHosts.healthy("10.0.0.1");
    RetryState state = state(policy("5xx"), get());
    state.onHostAttempted(host);

    assertThat(state.hostsToAvoid().test(host)).isFalse();
    assertThat(state.lbContext(OptionalLong.empty())).isEqualTo(LbContext.NONE);
  }
}
