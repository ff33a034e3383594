package io.attache.dataplane.server;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code cluster_manager.*} stats: clusters added, modified and removed (bootstrap and
 * CDS), host-set updates pushed to running clusters, and how many clusters are active or warming.
 * Changed on the config thread; atomic, so the admin thread reads them at any time. Attaché applies
 * each update at once, never merged in a window, so the merge counters stay 0.
 */
final class ClusterManagerStats {
  private static final String PREFIX = "cluster_manager.";

  final Counter clusterAdded;
  final Counter clusterModified;
  final Counter clusterRemoved;
  final Counter clusterUpdated;
  final Gauge activeClusters;

  ClusterManagerStats(StatsStore stats) {
    clusterAdded = stats.counter(PREFIX + "cluster_added");
    clusterModified = stats.counter(PREFIX + "cluster_modified");
    clusterRemoved = stats.counter(PREFIX + "cluster_removed");
    clusterUpdated = stats.counter(PREFIX + "cluster_updated");
    stats.counter(PREFIX + "cluster_updated_via_merge");
    stats.counter(PREFIX + "update_merge_cancelled");
    stats.counter(PREFIX + "update_out_of_merge_window");
    activeClusters = stats.gauge(PREFIX + "active_clusters");
    stats.gauge(PREFIX + "warming_clusters"); // the ADS client keeps it
  }
}
