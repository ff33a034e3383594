package io.attache.dataplane.upstream.host;

import io.envoyproxy.envoy.config.core.v3.HealthStatus;

/**
 * A host's health as the load balancer sees it, folded from Envoy's {@code HealthStatus}: UNKNOWN
 * and HEALTHY count as healthy, DEGRADED is used only when healthy hosts do not suffice, and
 * UNHEALTHY, DRAINING and TIMEOUT take no traffic unless the priority is in panic.
 */
public enum HostHealth {
  HEALTHY,
  DEGRADED,
  UNHEALTHY;

  public static HostHealth from(HealthStatus status) {
    return switch (status) {
      case UNKNOWN, HEALTHY -> HEALTHY;
      case DEGRADED -> DEGRADED;
      case UNHEALTHY, DRAINING, TIMEOUT, UNRECOGNIZED -> UNHEALTHY;
    };
  }
}
