package io.attache.controlplane.policy;

import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One immutable, complete view of the policy at a revision: what the translator reads. Maps are
 * sorted by name so every walk over them is deterministic; must never be mutated after creation.
 */
public record PolicySnapshot(
    long revision,
    MeshDefaults defaults,
    SortedMap<String, Service> services,
    SortedMap<String, Route> routes,
    SortedMap<String, Cluster> rawClusters,
    SortedMap<String, ClusterLoadAssignment> rawEndpoints,
    SortedMap<String, RouteConfiguration> rawRoutes,
    SortedMap<String, Listener> rawListeners,
    SortedMap<String, Authorization> authorizations) {

  /** A policy without authorization policies. */
  public PolicySnapshot(
      long revision,
      MeshDefaults defaults,
      SortedMap<String, Service> services,
      SortedMap<String, Route> routes,
      SortedMap<String, Cluster> rawClusters,
      SortedMap<String, ClusterLoadAssignment> rawEndpoints,
      SortedMap<String, RouteConfiguration> rawRoutes,
      SortedMap<String, Listener> rawListeners) {
    this(
        revision,
        defaults,
        services,
        routes,
        rawClusters,
        rawEndpoints,
        rawRoutes,
        rawListeners,
        new TreeMap<>());
  }

  public PolicySnapshot {
    services = frozen(services);
    routes = frozen(routes);
    rawClusters = frozen(rawClusters);
    rawEndpoints = frozen(rawEndpoints);
    rawRoutes = frozen(rawRoutes);
    rawListeners = frozen(rawListeners);
    authorizations = frozen(authorizations);
  }

  /** The state of a store that was never written: built-in defaults and nothing else. */
  public static PolicySnapshot empty() {
    return new PolicySnapshot(
        0,
        BuiltInMeshDefaults.get(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>());
  }

  private static <V> SortedMap<String, V> frozen(Map<String, V> map) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(map));
  }
}
