package io.attache.dataplane.server;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code listener_manager.*} stats for the bootstrap's listeners and those applied from
 * LDS: what was added, modified (in place or with a new socket) and removed, what serves, and what
 * is still draining (a listener's old socket, or a replaced filter chain whose last stream has not
 * finished). As in Envoy, {@code listener_create_success} counts one per worker a listener starts
 * on. Looked up once; the stats are atomic, as they change on the config thread and on the drain
 * timers. A listener from LDS held until its routes or secrets arrive counts as warming (set by the
 * ADS client, which holds it, as its state changes), while the one it replaces keeps serving.
 */
final class ListenerManagerStats {
  private static final String PREFIX = "listener_manager.";

  final Counter listenerAdded;
  final Counter listenerModified;
  final Counter listenerRemoved;
  final Counter listenerCreateSuccess;
  final Counter listenerInPlaceUpdated;
  final Counter listenerStopped;
  final Gauge workersStarted;
  final Gauge totalListenersActive;
  final Gauge totalListenersDraining;
  final Gauge totalFilterChainsDraining;

  ListenerManagerStats(StatsStore stats) {
    listenerAdded = stats.counter(PREFIX + "listener_added");
    listenerModified = stats.counter(PREFIX + "listener_modified");
    listenerRemoved = stats.counter(PREFIX + "listener_removed");
    listenerCreateSuccess = stats.counter(PREFIX + "listener_create_success");
    stats.counter(PREFIX + "listener_create_failure");
    listenerInPlaceUpdated = stats.counter(PREFIX + "listener_in_place_updated");
    listenerStopped = stats.counter(PREFIX + "listener_stopped");
    workersStarted = stats.gauge(PREFIX + "workers_started");
    stats.gauge(PREFIX + "total_listeners_warming"); // the ADS client keeps it
    totalListenersActive = stats.gauge(PREFIX + "total_listeners_active");
    totalListenersDraining = stats.gauge(PREFIX + "total_listeners_draining");
    totalFilterChainsDraining = stats.gauge(PREFIX + "total_filter_chains_draining");
  }
}
