package io.attache.dataplane.breaker;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;

/**
 * A cluster's two resource managers (DEFAULT and HIGH), built once with the cluster. A route's
 * {@code priority} picks one; Envoy maps every other priority value to DEFAULT. Immutable and
 * shared by every event loop.
 */
public final class ClusterResourceManagers {
  private final ResourceManager defaultPriority;
  private final ResourceManager high;

  private ClusterResourceManagers(ResourceManager defaultPriority, ResourceManager high) {
    this.defaultPriority = defaultPriority;
    this.high = high;
  }

  public static ClusterResourceManagers create(
      String clusterName, CircuitBreakerSettings settings, StatsStore stats) {
    return new ClusterResourceManagers(
        ResourceManager.create(clusterName, RoutingPriority.DEFAULT, settings, stats),
        ResourceManager.create(clusterName, RoutingPriority.HIGH, settings, stats));
  }

  public ResourceManager forPriority(RoutingPriority priority) {
    return priority == RoutingPriority.HIGH ? high : defaultPriority;
  }
}
