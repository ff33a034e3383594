package io.attache.dataplane.xds;

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

  /**
   * A 64-bit hash of the version text. Envoy uses xxHash64 here; the data plane's xxHash64 copies
   * are package-private, so this is FNV-1a: dashboards only compare the value for change.
   */
  static long versionHash(String versionInfo) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : versionInfo.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }
}
