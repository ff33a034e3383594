package io.attache.dataplane.server;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code listener_manager.*} stats for listeners applied from LDS: what was added, modified
 * and removed, what serves, and what is still draining (a listener's old socket, or a replaced
 * filter chain whose last stream has not finished). Looked up once; the stats are atomic, as they
 * change on the config thread and on the drain timers.
 */
final class ListenerManagerStats {
  private static final String PREFIX = "listener_manager.";

  final Counter listenerAdded;
  final Counter listenerModified;
  final Counter listenerRemoved;
  final Gauge totalListenersActive;
  final Gauge totalListenersDraining;
  final Gauge totalFilterChainsDraining;

  ListenerManagerStats(StatsStore stats) {
    listenerAdded = stats.counter(PREFIX + "listener_added");
    listenerModified = stats.counter(PREFIX + "listener_modified");
    listenerRemoved = stats.counter(PREFIX + "listener_removed");
    totalListenersActive = stats.gauge(PREFIX + "total_listeners_active");
    totalListenersDraining = stats.gauge(PREFIX + "total_listeners_draining");
    totalFilterChainsDraining = stats.gauge(PREFIX + "total_filter_chains_draining");
  }
}
