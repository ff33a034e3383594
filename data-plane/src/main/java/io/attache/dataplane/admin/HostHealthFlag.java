package io.attache.dataplane.admin;

/**
 * Why a host is not healthy, as Envoy's {@code Host::HealthFlag}; declaration order is the order
 * Envoy prints them in {@code /clusters} ({@code /failed_active_hc/failed_outlier_check}).
 */
public enum HostHealthFlag {
  FAILED_ACTIVE_HC("failed_active_hc"),
  FAILED_OUTLIER_CHECK("failed_outlier_check"),
  FAILED_EDS_HEALTH("failed_eds_health"),
  DEGRADED_ACTIVE_HC("degraded_active_hc"),
  DEGRADED_EDS_HEALTH("degraded_eds_health"),
  PENDING_DYNAMIC_REMOVAL("pending_dynamic_removal"),
  PENDING_ACTIVE_HC("pending_active_hc"),
  EXCLUDED_VIA_IMMEDIATE_HC_FAIL("excluded_via_immediate_hc_fail"),
  ACTIVE_HC_TIMEOUT("active_hc_timeout"),
  EDS_STATUS_DRAINING("eds_status_draining");

  private final String text;

  HostHealthFlag(String text) {
    this.text = text;
  }

  /** The name Envoy prints after a slash in {@code ::health_flags::}. */
  public String text() {
    return text;
  }
}
