package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.retry.RetryPolicyConfig;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** How a request's timeouts are settled from its route and (internal) x-envoy headers. */
class RequestTimeoutsTest {

  private static RoutePolicy route(Duration timeout, Optional<Duration> perTry) {
    RetryPolicyConfig none = RetryPolicyConfig.NONE;
    RetryPolicyConfig retry =
        new RetryPolicyConfig(
            none.retryOn(),
            none.numRetries(),
            perTry,
            none.perTryIdleTimeout(),
            none.backOff(),
            none.rateLimitedBackOff(),
            none.retriableStatusCodes(),
            none.retriableHeaders(),
            none.retriableRequestHeaders(),
            none.avoidPreviousHosts(),
            none.hostSelectionRetryMaxAttempts());
    return new RoutePolicy(
        "r",
        "vh",
        timeout,
        Optional.empty(),
        retry,
        RoutingPriority.DEFAULT,
        OptionalInt.empty(),
        503,
        false,
        false,
        java.util.List.of(),
        java.util.Map.of(),
        Optional.empty(),
        Optional.empty(),
        io.attache.dataplane.ratelimit.RouteRateLimits.NONE);
  }

  private static HttpHeaders headers(String... pairs) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < pairs.length; i += 2) {
      h.add(pairs[i], pairs[i + 1]);
    }
    return h;
  }

  @Test
  void withoutHeadersTheRouteDecides() {
    RequestTimeouts t =
        RequestTimeouts.resolve(
            route(Duration.ofSeconds(15), Optional.of(Duration.ofSeconds(2))), headers());

    assertThat(t)
        .isEqualTo(
            new RequestTimeouts(Duration.ofSeconds(15), Optional.of(Duration.ofSeconds(2)), 504));
  }

  @Test
  void theTimeoutHeadersReplaceTheRoutesAndAreConsumed() {
    HttpHeaders h =
        headers(
            "x-envoy-upstream-rq-timeout-ms", "250",
            "x-envoy-upstream-rq-per-try-timeout-ms", "100",
            "x-other", "kept");

    RequestTimeouts t = RequestTimeouts.resolve(route(Duration.ofSeconds(15), Optional.empty()), h);

    assertThat(t.global()).isEqualTo(Duration.ofMillis(250));
    assertThat(t.perTry()).hasValue(Duration.ofMillis(100));
    assertThat(h.names()).containsExactly("x-other");
  }

  @Test
  void zeroInTheHeaderSwitchesTheGlobalTimeoutOff() {
    RequestTimeouts t =
        RequestTimeouts.resolve(
            route(Duration.ofSeconds(15), Optional.empty()),
            headers("x-envoy-upstream-rq-timeout-ms", "0"));

    assertThat(t.globalDisabled()).isTrue();
  }

  @Test
  void aValueThatIsNotANumberIsIgnoredButStillConsumed() {
    HttpHeaders h = headers("x-envoy-upstream-rq-timeout-ms", "soon");

    RequestTimeouts t = RequestTimeouts.resolve(route(Duration.ofSeconds(15), Optional.empty()), h);

    assertThat(t.global()).isEqualTo(Duration.ofSeconds(15));
    assertThat(h.isEmpty()).isTrue();
  }

  @Test
  void aPerTryTimeoutNotBelowTheGlobalOneIsDropped() {
    RequestTimeouts t =
        RequestTimeouts.resolve(
            route(Duration.ofSeconds(1), Optional.empty()),
            headers("x-envoy-upstream-rq-per-try-timeout-ms", "1000"));

    assertThat(t.perTry()).isEmpty();
  }

  @Test
  void theAltResponseHeaderAsksForA204() {
    HttpHeaders h = headers("x-envoy-upstream-rq-timeout-alt-response", "");

    RequestTimeouts t = RequestTimeouts.resolve(route(Duration.ofSeconds(15), Optional.empty()), h);

    assertThat(t.timeoutStatus()).isEqualTo(204);
    assertThat(h.isEmpty()).isTrue();
  }
}
