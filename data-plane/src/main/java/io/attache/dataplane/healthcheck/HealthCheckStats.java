package io.attache.dataplane.healthcheck;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/** A cluster's {@code cluster.<name>.health_check.*} stats with Envoy's names, looked up once. */
final class HealthCheckStats {
  final Counter attempt;
  final Counter success;
  final Counter failure;
  final Counter networkFailure;
  final Counter passiveFailure;

  /** Envoy counts service-name verifications here; Attaché does none, so it stays 0. */
  final Counter verifyCluster;

  final Gauge healthy;
  final Gauge degraded;

  HealthCheckStats(StatsStore store, String clusterName) {
    String prefix = "cluster." + clusterName + ".health_check.";
    attempt = store.counter(prefix + "attempt");
    success = store.counter(prefix + "success");
    failure = store.counter(prefix + "failure");
    networkFailure = store.counter(prefix + "network_failure");
    passiveFailure = store.counter(prefix + "passive_failure");
    verifyCluster = store.counter(prefix + "verify_cluster");
    healthy = store.gauge(prefix + "healthy");
    degraded = store.gauge(prefix + "degraded");
  }
}
