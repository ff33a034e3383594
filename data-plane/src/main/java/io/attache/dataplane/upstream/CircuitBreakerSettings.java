package io.attache.dataplane.upstream;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A cluster's {@code circuit_breakers}, parsed once with Envoy's defaults filled in: one set of
 * thresholds per routing priority and a per-host connection limit. Only configuration; the resource
 * manager that enforces it lives elsewhere.
 */
public record CircuitBreakerSettings(
    Thresholds defaultPriority,
    Thresholds high,
    PerHostThresholds perHostDefault,
    PerHostThresholds perHostHigh) {

  /** Envoy's defaults for a priority no threshold names. */
  public static final Thresholds DEFAULT_THRESHOLDS =
      new Thresholds(1024, 1024, 1024, 3, Optional.empty(), false, OptionalLong.empty());

  public static final CircuitBreakerSettings DEFAULTS =
      new CircuitBreakerSettings(
          DEFAULT_THRESHOLDS,
          DEFAULT_THRESHOLDS,
          PerHostThresholds.UNLIMITED,
          PerHostThresholds.UNLIMITED);

  /**
   * One {@code circuit_breakers.thresholds} entry.
   *
   * @param retryBudget when present it replaces {@code maxRetries} as the retry limit
   * @param maxConnectionPools empty means unlimited
   */
  public record Thresholds(
      long maxConnections,
      long maxPendingRequests,
      long maxRequests,
      long maxRetries,
      Optional<RetryBudget> retryBudget,
      boolean trackRemaining,
      OptionalLong maxConnectionPools) {}

  /** {@code retry_budget}: at most budget_percent of active requests may be retries. */
  public record RetryBudget(double budgetPercent, long minRetryConcurrency) {}

  /** {@code per_host_thresholds}; Envoy honours only max_connections there. */
  public record PerHostThresholds(OptionalLong maxConnections) {
    public static final PerHostThresholds UNLIMITED = new PerHostThresholds(OptionalLong.empty());
  }

  public Thresholds thresholds(RoutingPriority priority) {
    return priority == RoutingPriority.HIGH ? high : defaultPriority;
  }

  public PerHostThresholds perHost(RoutingPriority priority) {
    return priority == RoutingPriority.HIGH ? perHostHigh : perHostDefault;
  }

  static CircuitBreakerSettings from(CircuitBreakers proto, String fieldPath)
      throws ConfigException {
    Thresholds defaultPriority = null;
    Thresholds high = null;
    for (int i = 0; i < proto.getThresholdsCount(); i++) {
      CircuitBreakers.Thresholds t = proto.getThresholds(i);
      String path = fieldPath + ".thresholds[" + i + "]";
      Thresholds parsed = thresholds(t, path);
      // Envoy uses the first entry for each priority; later duplicates have no effect.
      switch (priority(t.getPriority(), path)) {
        case DEFAULT -> defaultPriority = defaultPriority == null ? parsed : defaultPriority;
        case HIGH -> high = high == null ? parsed : high;
        default -> throw new IllegalStateException();
      }
    }
    PerHostThresholds perHostDefault = null;
    PerHostThresholds perHostHigh = null;
    for (int i = 0; i < proto.getPerHostThresholdsCount(); i++) {
      CircuitBreakers.Thresholds t = proto.getPerHostThresholds(i);
      String path = fieldPath + ".per_host_thresholds[" + i + "]";
      PerHostThresholds parsed =
          new PerHostThresholds(
              t.hasMaxConnections()
                  ? OptionalLong.of(Integer.toUnsignedLong(t.getMaxConnections().getValue()))
                  : OptionalLong.empty());
      switch (priority(t.getPriority(), path)) {
        case DEFAULT -> perHostDefault = perHostDefault == null ? parsed : perHostDefault;
        case HIGH -> perHostHigh = perHostHigh == null ? parsed : perHostHigh;
        default -> throw new IllegalStateException();
      }
    }
    return new CircuitBreakerSettings(
        defaultPriority == null ? DEFAULT_THRESHOLDS : defaultPriority,
        high == null ? DEFAULT_THRESHOLDS : high,
        perHostDefault == null ? PerHostThresholds.UNLIMITED : perHostDefault,
        perHostHigh == null ? PerHostThresholds.UNLIMITED : perHostHigh);
  }

  private static RoutingPriority priority(RoutingPriority priority, String path)
      throws ConfigException {
    if (priority != RoutingPriority.DEFAULT && priority != RoutingPriority.HIGH) {
      throw new ConfigException(path + ".priority", "must be DEFAULT or HIGH");
    }
    return priority;
  }

  private static Thresholds thresholds(CircuitBreakers.Thresholds t, String path)
      throws ConfigException {
    Optional<RetryBudget> budget = Optional.empty();
    if (t.hasRetryBudget()) {
      CircuitBreakers.Thresholds.RetryBudget b = t.getRetryBudget();
      double percent = b.hasBudgetPercent() ? b.getBudgetPercent().getValue() : 20.0;
      if (!(percent >= 0.0 && percent <= 100.0)) {
        throw new ConfigException(path + ".retry_budget.budget_percent", "must be within [0, 100]");
      }
      long minConcurrency =
          b.hasMinRetryConcurrency()
              ? Integer.toUnsignedLong(b.getMinRetryConcurrency().getValue())
              : 3;
      budget = Optional.of(new RetryBudget(percent, minConcurrency));
    }
    return new Thresholds(
        t.hasMaxConnections() ? Integer.toUnsignedLong(t.getMaxConnections().getValue()) : 1024,
        t.hasMaxPendingRequests()
            ? Integer.toUnsignedLong(t.getMaxPendingRequests().getValue())
            : 1024,
        t.hasMaxRequests() ? Integer.toUnsignedLong(t.getMaxRequests().getValue()) : 1024,
        t.hasMaxRetries() ? Integer.toUnsignedLong(t.getMaxRetries().getValue()) : 3,
        budget,
        t.getTrackRemaining(),
        t.hasMaxConnectionPools()
            ? OptionalLong.of(Integer.toUnsignedLong(t.getMaxConnectionPools().getValue()))
            : OptionalLong.empty());
  }
}
