package io.attache.controlplane.policy;

import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.CircuitBreakerThresholds;
import io.attache.api.policy.v1.RetryIdempotency;
import io.attache.api.policy.v1.RetryPolicy;

/**
 * Layers a more specific policy over a more general one (mesh defaults, then service, then route):
 * a field set in the override wins, an unset field inherits. Repeated fields are replaced as a
 * whole, never concatenated, so an override can narrow a list. Pure; never mutates its inputs.
 */
public final class DefaultsMerger {

  private DefaultsMerger() {}

  public static RetryPolicy retry(RetryPolicy base, RetryPolicy override) {
    RetryPolicy.Builder merged = base.toBuilder();
    if (override.getRetryOnCount() > 0) {
      merged.clearRetryOn().addAllRetryOn(override.getRetryOnList());
    }
    if (override.getRetriableStatusCodesCount() > 0) {
      merged
          .clearRetriableStatusCodes()
          .addAllRetriableStatusCodes(override.getRetriableStatusCodesList());
    }
    if (override.hasNumRetries()) {
      merged.setNumRetries(override.getNumRetries());
    }
    if (override.hasPerTryTimeout()) {
      merged.setPerTryTimeout(override.getPerTryTimeout());
    }
    if (override.hasBackoffBaseInterval()) {
      merged.setBackoffBaseInterval(override.getBackoffBaseInterval());
    }
    if (override.hasBackoffMaxInterval()) {
      merged.setBackoffMaxInterval(override.getBackoffMaxInterval());
    }
    if (override.getIdempotency() != RetryIdempotency.RETRY_IDEMPOTENCY_UNSPECIFIED) {
      merged.setIdempotency(override.getIdempotency());
    }
    if (override.getIdempotentMethodsCount() > 0) {
      merged.clearIdempotentMethods().addAllIdempotentMethods(override.getIdempotentMethodsList());
    }
    if (!override.getIdempotencyKeyHeader().isEmpty()) {
      merged.setIdempotencyKeyHeader(override.getIdempotencyKeyHeader());
    }
    return merged.build();
  }

  public static BreakerPolicy breaker(BreakerPolicy base, BreakerPolicy override) {
    BreakerPolicy.Builder merged = base.toBuilder();
    if (override.hasConsecutiveFailures()) {
      merged.setConsecutiveFailures(override.getConsecutiveFailures());
    }
    if (override.hasWindow()) {
      merged.setWindow(override.getWindow());
    }
    if (override.hasSleepWindow()) {
      merged.setSleepWindow(override.getSleepWindow());
    }
    if (override.hasMaxEjectionPercent()) {
      merged.setMaxEjectionPercent(override.getMaxEjectionPercent());
    }
    if (override.hasHealthyPanicThresholdPercent()) {
      merged.setHealthyPanicThresholdPercent(override.getHealthyPanicThresholdPercent());
    }
    return merged.build();
  }

  public static CircuitBreakerThresholds thresholds(
      CircuitBreakerThresholds base, CircuitBreakerThresholds override) {
    CircuitBreakerThresholds.Builder merged = base.toBuilder();
    if (override.hasMaxConnections()) {
      merged.setMaxConnections(override.getMaxConnections());
    }
    if (override.hasMaxPendingRequests()) {
      merged.setMaxPendingRequests(override.getMaxPendingRequests());
    }
    if (override.hasMaxRequests()) {
      merged.setMaxRequests(override.getMaxRequests());
    }
    if (override.hasMaxRetries()) {
      merged.setMaxRetries(override.getMaxRetries());
    }
    return merged.build();
  }
}
