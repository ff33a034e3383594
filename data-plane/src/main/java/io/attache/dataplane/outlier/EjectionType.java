package io.attache.dataplane.outlier;

/**
 * Why a host was ejected: one per Envoy detector ({@code
 * envoy.data.cluster.v3.OutlierEjectionType}), with the stat-name suffix Envoy uses for its {@code
 * ejections_enforced_*} and {@code ejections_detected_*} counters.
 */
public enum EjectionType {
  CONSECUTIVE_5XX("consecutive_5xx"),
  CONSECUTIVE_GATEWAY_FAILURE("consecutive_gateway_failure"),
  CONSECUTIVE_LOCAL_ORIGIN_FAILURE("consecutive_local_origin_failure"),
  SUCCESS_RATE("success_rate"),
  SUCCESS_RATE_LOCAL_ORIGIN("local_origin_success_rate"),
  FAILURE_PERCENTAGE("failure_percentage"),
  FAILURE_PERCENTAGE_LOCAL_ORIGIN("local_origin_failure_percentage");

  private final String statSuffix;

  EjectionType(String statSuffix) {
    this.statSuffix = statSuffix;
  }

  public String statSuffix() {
    return statSuffix;
  }

  /** The enforcing percentage {@code config} gives this detector. */
  int enforcing(OutlierDetectionConfig config) {
    return switch (this) {
      case CONSECUTIVE_5XX -> config.enforcingConsecutive5xx();
      case CONSECUTIVE_GATEWAY_FAILURE -> config.enforcingConsecutiveGatewayFailure();
      case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> config.enforcingConsecutiveLocalOriginFailure();
      case SUCCESS_RATE -> config.enforcingSuccessRate();
      case SUCCESS_RATE_LOCAL_ORIGIN -> config.enforcingLocalOriginSuccessRate();
      case FAILURE_PERCENTAGE -> config.enforcingFailurePercentage();
      case FAILURE_PERCENTAGE_LOCAL_ORIGIN -> config.enforcingFailurePercentageLocalOrigin();
    };
  }
}
