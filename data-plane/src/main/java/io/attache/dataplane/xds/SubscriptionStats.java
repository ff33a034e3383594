package io.attache.dataplane.xds;

import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.stats.StatsStore;
import java.nio.charset.StandardCharsets;

/**
 * Envoy's per-subscription stats under one prefix ({@code cluster_manager.cds.}, {@code
 * listener_manager.lds.}, {@code http.<stat_prefix>.rds.<route_config_name>.}, {@code
 * cluster.<name>.} for EDS). Stat objects are looked up once per prefix.
 */
final class SubscriptionStats {
  final io.attache.dataplane.stats.Counter updateAttempt;
  final io.attache.dataplane.stats.Counter updateSuccess;
  final io.attache.dataplane.stats.Counter updateRejected;
  final io.attache.dataplane.stats.Counter updateFailure;
  final io.attache.dataplane.stats.Counter updateEmpty;
  final io.attache.dataplane.stats.Counter initFetchTimeout;
  final io.attache.dataplane.stats.Gauge version;
  final io.attache.dataplane.stats.Gauge updateTime;

  SubscriptionStats(StatsStore store, String prefix) {
    updateAttempt = store.counter(prefix + "update_attempt");
    updateSuccess = store.counter(prefix + "update_success");
    updateRejected = store.counter(prefix + "update_rejected");
    updateFailure = store.counter(prefix + "update_failure");
    updateEmpty = store.counter(prefix + "update_empty");
    initFetchTimeout = store.counter(prefix + "init_fetch_timeout");
    version = store.gauge(prefix + "version");
    updateTime = store.gauge(prefix + "update_time");
  }

  /** An accepted update; {@code update_time} is in milliseconds since the epoch, as in Envoy. */
  void accepted(String versionInfo, java.time.Instant now) {
    updateSuccess.inc();
    version.set(versionHash(versionInfo));
    updateTime.set(now.toEpochMilli());
  }

  /** Envoy's {@code version} gauge: the xxHash64 (seed 0) of the version text. */
  static long versionHash(String versionInfo) {
    return XxHash64.hash(versionInfo.getBytes(StandardCharsets.UTF_8));
  }
}
