package io.attache.dataplane.retry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyConfigTest {
  private static final String PATH = "virtual_hosts[0].routes[1].route.retry_policy";

  private static RetryPolicyConfig parse(RetryPolicy.Builder proto) throws ConfigException {
    return RetryPolicyConfig.from(proto.build(), PATH);
  }

  private static ConfigException rejection(RetryPolicy.Builder proto) {
    try {
      parse(proto);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException for " + proto);
  }

  @Test
  void fillsInEnvoysDefaultsForAnEmptyPolicy() throws Exception {
    RetryPolicyConfig config = parse(RetryPolicy.newBuilder());

    assertThat(config.retryOn()).isEmpty();
    assertThat(config.numRetries()).isEqualTo(1);
    assertThat(config.perTryTimeout()).isEmpty();
    assertThat(config.perTryIdleTimeout()).isEmpty();
    assertThat(config.backOff()).isEqualTo(new RetryPolicyConfig.BackOff(25, 250));
    assertThat(config.rateLimitedBackOff().configured()).isFalse();
    assertThat(config.retriableStatusCodes().asList()).isEmpty();
    assertThat(config.avoidPreviousHosts()).isFalse();
    assertThat(config.hostSelectionRetryMaxAttempts()).isEqualTo(1);
    assertThat(config).isEqualTo(RetryPolicyConfig.NONE);
  }

  @Test
  void acceptsEveryRetryOnTokenWithSpacesAndEmptyEntries() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .setRetryOn(
                    "5xx, gateway-error,reset,reset-before-request,connect-failure,,retriable-4xx,"
                        + "refused-stream,retriable-status-codes,retriable-headers,"
                        + "envoy-ratelimited,http3-post-connect-failure , cancelled,"
                        + "deadline-exceeded,internal,resource-exhausted,unavailable"));

    assertThat(config.retryOn()).isEqualTo(EnumSet.allOf(RetryOn.class));
  }

  @Test
  void rejectsAnUnknownRetryOnTokenNamingTheField() {
    ConfigException e =
        rejection(RetryPolicy.newBuilder().setRetryOn("5xx,connection-failure,gatway-error"));

    assertThat(e.fieldPath()).isEqualTo(PATH + ".retry_on");
    assertThat(e).hasMessageContaining("connection-failure").hasMessageContaining("gatway-error");
  }

  @Test
  void readsNumRetriesAndPerTryTimeoutsInMilliseconds() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .setNumRetries(UInt32Value.of(0))
                .setPerTryTimeout(Durations.fromMillis(250))
                .setPerTryIdleTimeout(Durations.fromNanos(1_500_000)));

    assertThat(config.numRetries()).isZero();
    assertThat(config.perTryTimeout()).hasValue(Duration.ofMillis(250));
    assertThat(config.perTryIdleTimeout()).hasValue(Duration.ofMillis(1));
    assertThat(parse(RetryPolicy.newBuilder().setPerTryTimeout(Durations.ZERO)).perTryTimeout())
        .isEmpty();
    assertThat(
            rejection(RetryPolicy.newBuilder().setPerTryTimeout(Durations.fromMillis(-5)))
                .fieldPath())
        .isEqualTo(PATH + ".per_try_timeout");
  }

  @Test
  void defaultsMaxBackOffToTenTimesTheConfiguredBase() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .setRetryBackOff(
                    RetryPolicy.RetryBackOff.newBuilder()
                        .setBaseInterval(Durations.fromMillis(100))));

    assertThat(config.backOff()).isEqualTo(new RetryPolicyConfig.BackOff(100, 1000));
  }

  @Test
  void roundsSubMillisecondBackOffUpToOneMillisecond() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .setRetryBackOff(
                    RetryPolicy.RetryBackOff.newBuilder()
                        .setBaseInterval(Durations.fromNanos(500_000))
                        .setMaxInterval(Durations.fromNanos(700_000))));

    assertThat(config.backOff()).isEqualTo(new RetryPolicyConfig.BackOff(1, 1));
  }

  @Test
  void rejectsABackOffWithoutBaseOrWithMaxBelowBase() {
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRetryBackOff(
                            RetryPolicy.RetryBackOff.newBuilder()
                                .setMaxInterval(Durations.fromMillis(10))))
                .fieldPath())
        .isEqualTo(PATH + ".retry_back_off.base_interval");
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRetryBackOff(
                            RetryPolicy.RetryBackOff.newBuilder()
                                .setBaseInterval(Durations.fromMillis(100))
                                .setMaxInterval(Durations.fromMillis(99))))
                .fieldPath())
        .isEqualTo(PATH + ".retry_back_off.max_interval");
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRetryBackOff(
                            RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(Durations.ZERO)))
                .fieldPath())
        .isEqualTo(PATH + ".retry_back_off.base_interval");
  }

  @Test
  void parsesRateLimitedBackOffWithItsDefaultMaximum() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .setRateLimitedRetryBackOff(
                    RetryPolicy.RateLimitedRetryBackOff.newBuilder()
                        .addResetHeaders(
                            RetryPolicy.ResetHeader.newBuilder()
                                .setName("Retry-After")
                                .setFormat(RetryPolicy.ResetHeaderFormat.SECONDS))
                        .addResetHeaders(
                            RetryPolicy.ResetHeader.newBuilder()
                                .setName("X-RateLimit-Reset")
                                .setFormat(RetryPolicy.ResetHeaderFormat.UNIX_TIMESTAMP))));

    assertThat(config.rateLimitedBackOff().resetHeaders())
        .containsExactly(
            new ResetHeader("retry-after", ResetHeader.Format.SECONDS),
            new ResetHeader("x-ratelimit-reset", ResetHeader.Format.UNIX_TIMESTAMP));
    assertThat(config.rateLimitedBackOff().maxIntervalMillis()).isEqualTo(300_000);
  }

  @Test
  void rejectsRateLimitedBackOffWithoutResetHeadersOrWithAnEmptyName() {
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRateLimitedRetryBackOff(
                            RetryPolicy.RateLimitedRetryBackOff.newBuilder()
                                .setMaxInterval(Durations.fromSeconds(1))))
                .fieldPath())
        .isEqualTo(PATH + ".rate_limited_retry_back_off.reset_headers");
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRateLimitedRetryBackOff(
                            RetryPolicy.RateLimitedRetryBackOff.newBuilder()
                                .addResetHeaders(RetryPolicy.ResetHeader.newBuilder())))
                .fieldPath())
        .isEqualTo(PATH + ".rate_limited_retry_back_off.reset_headers[0].name");
  }

  @Test
  void acceptsPreviousHostsByNameOrTypedConfigAndNothingElse() throws Exception {
    RetryPolicyConfig byName =
        parse(
            RetryPolicy.newBuilder()
                .addRetryHostPredicate(
                    RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("envoy.retry_host_predicates.previous_hosts"))
                .setHostSelectionRetryMaxAttempts(3));
    RetryPolicyConfig byType =
        parse(
            RetryPolicy.newBuilder()
                .addRetryHostPredicate(
                    RetryPolicy.RetryHostPredicate.newBuilder()
                        .setName("anything")
                        .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance()))));

    assertThat(byName.avoidPreviousHosts()).isTrue();
    assertThat(byName.hostSelectionRetryMaxAttempts()).isEqualTo(3);
    assertThat(byType.avoidPreviousHosts()).isTrue();
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .addRetryHostPredicate(
                            RetryPolicy.RetryHostPredicate.newBuilder()
                                .setName("envoy.retry_host_predicates.previous_hosts"))
                        .addRetryHostPredicate(
                            RetryPolicy.RetryHostPredicate.newBuilder()
                                .setName("envoy.retry_host_predicates.omit_canary_hosts")))
                .fieldPath())
        .isEqualTo(PATH + ".retry_host_predicate[1]");
  }

  @Test
  void rejectsRetryPriorityAndRetryOptionsPredicates() {
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .setRetryPriority(
                            RetryPolicy.RetryPriority.newBuilder()
                                .setName("envoy.retry_priorities.previous_priorities")))
                .fieldPath())
        .isEqualTo(PATH + ".retry_priority");
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .addRetryOptionsPredicates(TypedExtensionConfig.newBuilder().setName("x")))
                .fieldPath())
        .isEqualTo(PATH + ".retry_options_predicates");
  }

  @Test
  void compilesHeaderMatchersWithRe2RegexesAndRejectsBadOnesNamingTheField() throws Exception {
    RetryPolicyConfig config =
        parse(
            RetryPolicy.newBuilder()
                .addAllRetriableStatusCodes(List.of(429, 503))
                .addRetriableHeaders(HeaderMatcher.newBuilder().setName("X-Retry-Me"))
                .addRetriableRequestHeaders(
                    HeaderMatcher.newBuilder().setName(":method").setExactMatch("GET")));

    assertThat(config.retriableStatusCodes().asList()).containsExactly(429, 503);
    assertThat(config.retriableHeaders()).hasSize(1);
    assertThat(config.retriableRequestHeaders()).hasSize(1);

    // Regexes compile with the router's RE2-checked matcher, so idempotent methods fit one entry.
    assertThat(
            parse(
                    RetryPolicy.newBuilder()
                        .addRetriableRequestHeaders(
                            HeaderMatcher.newBuilder()
                                .setName(":method")
                                .setSafeRegexMatch(RegexMatcher.newBuilder().setRegex("GET|HEAD"))))
                .retriableRequestHeaders())
        .hasSize(1);
    ConfigException e =
        rejection(
            RetryPolicy.newBuilder()
                .addRetriableRequestHeaders(HeaderMatcher.newBuilder().setName(":method"))
                .addRetriableRequestHeaders(
                    HeaderMatcher.newBuilder()
                        .setName(":method")
                        .setSafeRegexMatch(RegexMatcher.newBuilder().setRegex("(a)\\1"))));
    assertThat(e.fieldPath()).startsWith(PATH + ".retriable_request_headers[1].safe_regex_match");
    assertThat(
            rejection(
                    RetryPolicy.newBuilder()
                        .addRetriableHeaders(HeaderMatcher.newBuilder().setExactMatch("x")))
                .fieldPath())
        .isEqualTo(PATH + ".retriable_headers[0].name");
  }

  @Test
  void noneRetriesOnNothing() {
    assertThat(RetryPolicyConfig.NONE.retriesOnSomething()).isFalse();
    assertThat(RetryPolicyConfig.NONE.perTryTimeout()).isEqualTo(Optional.empty());
  }
}
