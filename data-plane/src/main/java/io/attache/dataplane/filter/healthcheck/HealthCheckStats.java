package io.attache.dataplane.filter.healthcheck;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code http.<stat_prefix>.health_check.*} counters of one connection manager, moved only
 * by the filter's own answers to health checks (a check passed through to the upstream counts in
 * none of them).
 */
record HealthCheckStats(
    Counter requestTotal,
    Counter ok,
    Counter failed,
    Counter cachedResponse,
    Counter failedClusterNotFound,
    Counter failedClusterEmpty,
    Counter failedClusterUnhealthy,
    Counter degraded) {
  static HealthCheckStats create(StatsStore stats, String hcmStatPrefix) {
    String p = "http." + hcmStatPrefix + ".health_check.";
    return new HealthCheckStats(
        stats.counter(p + "request_total"),
        stats.counter(p + "ok"),
        stats.counter(p + "failed"),
        stats.counter(p + "cached_response"),
        stats.counter(p + "failed_cluster_not_found"),
        stats.counter(p + "failed_cluster_empty"),
        stats.counter(p + "failed_cluster_unhealthy"),
        stats.counter(p + "degraded"));
  }
}
