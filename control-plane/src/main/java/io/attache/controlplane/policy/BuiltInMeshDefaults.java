package io.attache.controlplane.policy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.RequestIdPolicy;
import io.attache.api.policy.v1.RetryIdempotency;
import io.attache.api.policy.v1.RetryPolicy;
import java.util.List;

/**
 * The mesh defaults in force until an operator writes their own: the real-world rule of
 * ENVOY-SEMANTICS.md (retry 429, 503 and connection errors, never 400/401, never a non-idempotent
 * request without an idempotency key, fully jittered back-off, break after 5 consecutive failures).
 * Holds constants only; must never read the environment.
 */
public final class BuiltInMeshDefaults {

  /** Methods that are safe to repeat (RFC 9110 section 9.2.2). */
  public static final List<String> IDEMPOTENT_METHODS =
      List.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  public static final String IDEMPOTENCY_KEY_HEADER = "idempotency-key";

  private static final MeshDefaults DEFAULTS =
      MeshDefaults.newBuilder()
          .setRetry(
              RetryPolicy.newBuilder()
                  // 5xx and gateway-error are deliberately absent: they would retry 500/502/504.
                  .addAllRetryOn(
                      List.of(
                          "connect-failure", "refused-stream", "reset", "retriable-status-codes"))
                  .addAllRetriableStatusCodes(List.of(429, 503))
                  .setNumRetries(UInt32Value.of(2))
                  .setBackoffBaseInterval(millis(25))
                  .setBackoffMaxInterval(millis(250))
                  .setIdempotency(RetryIdempotency.IDEMPOTENT_ONLY)
                  .addAllIdempotentMethods(IDEMPOTENT_METHODS)
                  .setIdempotencyKeyHeader(IDEMPOTENCY_KEY_HEADER))
          .setBreaker(
              BreakerPolicy.newBuilder()
                  .setConsecutiveFailures(UInt32Value.of(5))
                  .setWindow(seconds(10))
                  .setSleepWindow(seconds(30))
                  .setMaxEjectionPercent(UInt32Value.of(100))
                  // 0: when every host is ejected the breaker is OPEN and fails fast (no panic
                  // routing).
                  .setHealthyPanicThresholdPercent(DoubleValue.of(0)))
          .setRequestId(
              RequestIdPolicy.newBuilder()
                  .setGenerateRequestId(BoolValue.of(true))
                  .setPreserveExternalRequestId(BoolValue.of(false))
                  .setAlwaysSetRequestIdInResponse(BoolValue.of(true)))
          .setConnectTimeout(seconds(1))
          .setRouteTimeout(seconds(15))
          .build();

  private BuiltInMeshDefaults() {}

  public static MeshDefaults get() {
    return DEFAULTS;
  }

  private static Duration millis(long ms) {
    return Duration.newBuilder()
        .setSeconds(ms / 1000)
        .setNanos((int) (ms % 1000) * 1_000_000)
        .build();
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }
}
