package io.attache.dataplane.upstream.host;

/**
 * Why a host is not (fully) healthy, as Envoy's {@code Host::HealthFlag}. Declaration order is the
 * order Envoy prints them on {@code /clusters} ({@code /failed_active_hc/failed_outlier_check}).
 * Only names; the flags a host carries live in {@link HealthFlags}.
 */
public enum HealthFlag {
  /** Active health checking says the host is down (or has not passed its first check yet). */
  FAILED_ACTIVE_HC("failed_active_hc"),
  /** Ejected by outlier detection. */
  FAILED_OUTLIER_CHECK("failed_outlier_check"),
  /** The configured (EDS) health status is UNHEALTHY, DRAINING or TIMEOUT. */
  FAILED_EDS_HEALTH("failed_eds_health"),
  /** Active health checking says the host is degraded. */
  DEGRADED_ACTIVE_HC("degraded_active_hc"),
  /** The configured (EDS) health status is DEGRADED. */
  DEGRADED_EDS_HEALTH("degraded_eds_health"),
  PENDING_DYNAMIC_REMOVAL("pending_dynamic_removal"),
  /**
   * New host waiting for its first health check; excluded from load balancing and from the panic
   * computation ({@code ignore_new_hosts_until_first_hc}).
   */
  PENDING_ACTIVE_HC("pending_active_hc"),
  EXCLUDED_VIA_IMMEDIATE_HC_FAIL("excluded_via_immediate_hc_fail"),
  /** The last failed active check timed out. */
  ACTIVE_HC_TIMEOUT("active_hc_timeout"),
  EDS_STATUS_DRAINING("eds_status_draining");

  private final String text;

  HealthFlag(String text) {
    this.text = text;
  }

  /** The name Envoy prints after a slash in {@code ::health_flags::}. */
  public String text() {
    return text;
  }

  int bit() {
    return 1 << ordinal();
  }
}
