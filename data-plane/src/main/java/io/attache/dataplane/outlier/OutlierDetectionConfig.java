package io.attache.dataplane.outlier;

import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import java.time.Duration;

/**
 * A cluster's {@code outlier_detection}, parsed once with Envoy's defaults and validated with
 * errors that name the field. Immutable; holds no running state.
 *
 * @param successRateStdevFactor as configured, in thousandths (1900 means 1.9 standard deviations)
 * @param maxEjectionTime Envoy's default is 300 s or {@code base_ejection_time} if that is larger
 */
public record OutlierDetectionConfig(
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    Duration maxEjectionTimeJitter,
    int maxEjectionPercent,
    boolean alwaysEjectOneHost,
    int consecutive5xx,
    int enforcingConsecutive5xx,
    int consecutiveGatewayFailure,
    int enforcingConsecutiveGatewayFailure,
    boolean splitExternalLocalOriginErrors,
    int consecutiveLocalOriginFailure,
    int enforcingConsecutiveLocalOriginFailure,
    int enforcingSuccessRate,
    int enforcingLocalOriginSuccessRate,
    int successRateMinimumHosts,
    int successRateRequestVolume,
    int successRateStdevFactor,
    int failurePercentageThreshold,
    int enforcingFailurePercentage,
    int enforcingFailurePercentageLocalOrigin,
    int failurePercentageMinimumHosts,
    int failurePercentageRequestVolume,
    boolean successfulActiveHealthCheckUnejectHost) {

  static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);

  /** Envoy's defaults for an empty {@code outlier_detection: {}}. */
  public static final OutlierDetectionConfig DEFAULTS = defaults();

  private static OutlierDetectionConfig defaults() {
    try {
      return from(OutlierDetection.getDefaultInstance(), "outlier_detection");
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Parses {@code proto}; {@code fieldPath} names it in errors (e.g. {@code
   * static_resources.clusters[0].outlier_detection}).
   */
  public static OutlierDetectionConfig from(OutlierDetection proto, String fieldPath)
      throws ConfigException {
    if (proto.getMonitorsCount() > 0) {
      throw new ConfigException(
          fieldPath + ".monitors", "outlier detection monitor extensions are not supported");
    }
    Duration interval =
        positive(
            proto.hasInterval(),
            proto.getInterval(),
            Duration.ofSeconds(10),
            fieldPath,
            "interval");
    Duration base =
        positive(
            proto.hasBaseEjectionTime(),
            proto.getBaseEjectionTime(),
            Duration.ofSeconds(30),
            fieldPath,
            "base_ejection_time");
    Duration max =
        positive(
            proto.hasMaxEjectionTime(),
            proto.getMaxEjectionTime(),
            base.compareTo(DEFAULT_MAX_EJECTION_TIME) > 0 ? base : DEFAULT_MAX_EJECTION_TIME,
            fieldPath,
            "max_ejection_time");
    if (max.compareTo(base) < 0) {
      throw new ConfigException(
          fieldPath + ".max_ejection_time", "cannot be smaller than base_ejection_time");
    }
    Duration jitter =
        proto.hasMaxEjectionTimeJitter()
            ? duration(proto.getMaxEjectionTimeJitter(), fieldPath, "max_ejection_time_jitter")
            : Duration.ZERO;
    return new OutlierDetectionConfig(
        interval,
        base,
        max,
        jitter,
        percent(
            proto.hasMaxEjectionPercent(),
            proto.getMaxEjectionPercent(),
            10,
            fieldPath,
            "max_ejection_percent"),
        proto.hasAlwaysEjectOneHost() && proto.getAlwaysEjectOneHost().getValue(),
        count(proto.hasConsecutive5Xx(), proto.getConsecutive5Xx(), 5),
        percent(
            proto.hasEnforcingConsecutive5Xx(),
            proto.getEnforcingConsecutive5Xx(),
            100,
            fieldPath,
            "enforcing_consecutive_5xx"),
        count(proto.hasConsecutiveGatewayFailure(), proto.getConsecutiveGatewayFailure(), 5),
        percent(
            proto.hasEnforcingConsecutiveGatewayFailure(),
            proto.getEnforcingConsecutiveGatewayFailure(),
            0,
            fieldPath,
            "enforcing_consecutive_gateway_failure"),
        proto.getSplitExternalLocalOriginErrors(),
        count(
            proto.hasConsecutiveLocalOriginFailure(), proto.getConsecutiveLocalOriginFailure(), 5),
        percent(
            proto.hasEnforcingConsecutiveLocalOriginFailure(),
            proto.getEnforcingConsecutiveLocalOriginFailure(),
            100,
            fieldPath,
            "enforcing_consecutive_local_origin_failure"),
        percent(
            proto.hasEnforcingSuccessRate(),
            proto.getEnforcingSuccessRate(),
            100,
            fieldPath,
            "enforcing_success_rate"),
        percent(
            proto.hasEnforcingLocalOriginSuccessRate(),
            proto.getEnforcingLocalOriginSuccessRate(),
            100,
            fieldPath,
            "enforcing_local_origin_success_rate"),
        count(proto.hasSuccessRateMinimumHosts(), proto.getSuccessRateMinimumHosts(), 5),
        count(proto.hasSuccessRateRequestVolume(), proto.getSuccessRateRequestVolume(), 100),
        count(proto.hasSuccessRateStdevFactor(), proto.getSuccessRateStdevFactor(), 1900),
        percent(
            proto.hasFailurePercentageThreshold(),
            proto.getFailurePercentageThreshold(),
            85,
            fieldPath,
            "failure_percentage_threshold"),
        percent(
            proto.hasEnforcingFailurePercentage(),
            proto.getEnforcingFailurePercentage(),
            0,
            fieldPath,
            "enforcing_failure_percentage"),
        percent(
            proto.hasEnforcingFailurePercentageLocalOrigin(),
            proto.getEnforcingFailurePercentageLocalOrigin(),
            0,
            fieldPath,
            "enforcing_failure_percentage_local_origin"),
        count(
            proto.hasFailurePercentageMinimumHosts(), proto.getFailurePercentageMinimumHosts(), 5),
        count(
            proto.hasFailurePercentageRequestVolume(),
            proto.getFailurePercentageRequestVolume(),
            50),
        !proto.hasSuccessfulActiveHealthCheckUnejectHost()
            || proto.getSuccessfulActiveHealthCheckUnejectHost().getValue());
  }

  private static int count(boolean present, UInt32Value value, int fallback) {
    // uint32 values above Integer.MAX_VALUE are thresholds that can never be reached.
    return present
        ? (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(value.getValue()))
        : fallback;
  }

  private static int percent(
      boolean present, UInt32Value value, int fallback, String path, String field)
      throws ConfigException {
    if (!present) {
      return fallback;
    }
    long v = Integer.toUnsignedLong(value.getValue());
    if (v > 100) {
      throw new ConfigException(path + "." + field, "must be <= 100, got " + v);
    }
    return (int) v;
  }

  private static Duration positive(
      boolean present,
      com.google.protobuf.Duration value,
      Duration fallback,
      String path,
      String field)
      throws ConfigException {
    if (!present) {
      return fallback;
    }
    Duration d = duration(value, path, field);
    if (d.isZero()) {
      throw new ConfigException(path + "." + field, "must be greater than 0");
    }
    return d;
  }

  private static Duration duration(com.google.protobuf.Duration value, String path, String field)
      throws ConfigException {
    if (value.getSeconds() < 0 || value.getNanos() < 0 || value.getNanos() > 999_999_999) {
      throw new ConfigException(path + "." + field, "must be a non-negative duration");
    }
    return Duration.ofSeconds(value.getSeconds(), value.getNanos());
  }
}
