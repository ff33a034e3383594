package io.attache.controlplane.translate;

import io.attache.api.policy.v1.RetryIdempotency;
import io.attache.api.policy.v1.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Optional;

/**
 * Effective policy retry → Envoy config.route.v3.RetryPolicy using standard fields only, so a stock
 * Envoy enforces the same rule. The idempotency rule becomes retriable_request_headers: the request
 * is retried only if its :method is idempotent or it carries the idempotency-key header.
 */
final class RetryPolicyTranslator {

  private RetryPolicyTranslator() {}

  /** Empty when the effective policy retries on nothing: Envoy then does not retry at all. */
  static Optional<io.envoyproxy.envoy.config.route.v3.RetryPolicy> translate(RetryPolicy retry) {
    if (retry.getRetryOnCount() == 0) {
      return Optional.empty();
    }
    io.envoyproxy.envoy.config.route.v3.RetryPolicy.Builder envoy =
        io.envoyproxy.envoy.config.route.v3.RetryPolicy.newBuilder()
            .setRetryOn(String.join(",", retry.getRetryOnList()))
            .addAllRetriableStatusCodes(retry.getRetriableStatusCodesList());
    if (retry.hasNumRetries()) {
      envoy.setNumRetries(retry.getNumRetries());
    }
    if (retry.hasPerTryTimeout()) {
      envoy.setPerTryTimeout(retry.getPerTryTimeout());
    }
    if (retry.hasBackoffBaseInterval()) {
      io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.Builder backOff =
          io.envoyproxy.envoy.config.route.v3.RetryPolicy.RetryBackOff.newBuilder()
              .setBaseInterval(retry.getBackoffBaseInterval());
      if (retry.hasBackoffMaxInterval()) {
        backOff.setMaxInterval(retry.getBackoffMaxInterval());
      }
      envoy.setRetryBackOff(backOff);
    }
    if (retry.getIdempotency() == RetryIdempotency.IDEMPOTENT_ONLY) {
      if (retry.getIdempotentMethodsCount() > 0) {
        envoy.addRetriableRequestHeaders(
            HeaderMatcher.newBuilder()
                .setName(":method")
                .setStringMatch(
                    StringMatcher.newBuilder()
                        .setSafeRegex(
                            RegexMatcher.newBuilder()
                                .setRegex(String.join("|", retry.getIdempotentMethodsList())))));
      }
      if (!retry.getIdempotencyKeyHeader().isEmpty()) {
        envoy.addRetriableRequestHeaders(
            HeaderMatcher.newBuilder()
                .setName(retry.getIdempotencyKeyHeader())
                .setPresentMatch(true));
      }
      if (envoy.getRetriableRequestHeadersCount() == 0) {
        // Idempotent-only with no way to prove idempotency: nothing qualifies, so never retry.
        return Optional.empty();
      }
    }
    return Optional.of(envoy.build());
  }
}
