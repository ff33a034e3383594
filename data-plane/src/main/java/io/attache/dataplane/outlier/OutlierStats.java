package io.attache.dataplane.outlier;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import java.util.EnumMap;
import java.util.Map;

/**
 * A cluster's {@code cluster.<name>.outlier_detection.*} stats with Envoy's names, looked up once.
 * Includes the counters Envoy still emits but deprecates ({@code ejections_total}, {@code
 * ejections_consecutive_5xx}, {@code ejections_success_rate}) so Envoy dashboards keep working.
 */
final class OutlierStats {
  final Counter ejectionsEnforcedTotal;
  final Gauge ejectionsActive;
  final Counter ejectionsOverflow;
  final Counter ejectionsTotal;
  final Counter ejectionsConsecutive5xx;
  final Counter ejectionsSuccessRate;
  private final Map<EjectionType, Counter> enforced = new EnumMap<>(EjectionType.class);
  private final Map<EjectionType, Counter> detected = new EnumMap<>(EjectionType.class);

  OutlierStats(StatsStore store, String clusterName) {
    String prefix = "cluster." + clusterName + ".outlier_detection.";
    ejectionsEnforcedTotal = store.counter(prefix + "ejections_enforced_total");
    ejectionsActive = store.gauge(prefix + "ejections_active");
    ejectionsOverflow = store.counter(prefix + "ejections_overflow");
    ejectionsTotal = store.counter(prefix + "ejections_total");
    ejectionsConsecutive5xx = store.counter(prefix + "ejections_consecutive_5xx");
    ejectionsSuccessRate = store.counter(prefix + "ejections_success_rate");
    for (EjectionType type : EjectionType.values()) {
      enforced.put(type, store.counter(prefix + "ejections_enforced_" + type.statSuffix()));
      detected.put(type, store.counter(prefix + "ejections_detected_" + type.statSuffix()));
    }
  }

  void enforced(EjectionType type) {
    ejectionsEnforcedTotal.inc();
    enforced.get(type).inc();
  }

  void detected(EjectionType type) {
    detected.get(type).inc();
  }
}
