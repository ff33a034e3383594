package io.attache.dataplane.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One consistent, warm set of dynamic resources, by name: every listener's RDS route config, every
 * EDS cluster's load assignment and every SDS secret a listener or cluster names is here unless its
 * initial fetch timed out. The integrator builds a new immutable proxy config from it and swaps it
 * in at once. Immutable.
 *
 * @param clusterLoadAssignments by EDS resource name ({@code eds_cluster_config.service_name}, else
 *     the cluster name); see {@link #loadAssignmentFor}
 * @param secrets SDS secrets by name
 */
public record XdsSnapshot(
    SortedMap<String, Versioned<Listener>> listeners,
    SortedMap<String, Versioned<RouteConfiguration>> routeConfigs,
    SortedMap<String, Versioned<Cluster>> clusters,
    SortedMap<String, Versioned<ClusterLoadAssignment>> clusterLoadAssignments,
    SortedMap<String, Versioned<Secret>> secrets) {

  public static final XdsSnapshot EMPTY =
      new XdsSnapshot(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

  /** A snapshot without SDS secrets. */
  public XdsSnapshot(
      SortedMap<String, Versioned<Listener>> listeners,
      SortedMap<String, Versioned<RouteConfiguration>> routeConfigs,
      SortedMap<String, Versioned<Cluster>> clusters,
      SortedMap<String, Versioned<ClusterLoadAssignment>> clusterLoadAssignments) {
    this(listeners, routeConfigs, clusters, clusterLoadAssignments, new TreeMap<>());
  }

  public XdsSnapshot {
    secrets = frozen(secrets);
    listeners = frozen(listeners);
    routeConfigs = frozen(routeConfigs);
    clusters = frozen(clusters);
    clusterLoadAssignments = frozen(clusterLoadAssignments);
  }

  /**
   * The endpoints of an EDS cluster; empty for a non-EDS cluster and for an EDS cluster whose
   * initial fetch timed out (Envoy then runs it with no hosts).
   */
  public Optional<Versioned<ClusterLoadAssignment>> loadAssignmentFor(Cluster cluster) {
    if (cluster.getType() != Cluster.DiscoveryType.EDS) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        clusterLoadAssignments.get(ClusterResourceParser.edsServiceName(cluster)));
  }

  /** Whether both hold the same resources, whatever their version labels. */
  public boolean sameResourcesAs(XdsSnapshot other) {
    return protos(listeners).equals(protos(other.listeners))
        && protos(routeConfigs).equals(protos(other.routeConfigs))
        && protos(clusters).equals(protos(other.clusters))
        && protos(clusterLoadAssignments).equals(protos(other.clusterLoadAssignments))
        && protos(secrets).equals(protos(other.secrets));
  }

  private static <T extends com.google.protobuf.Message> Map<String, T> protos(
      Map<String, Versioned<T>> map) {
    Map<String, T> out = new TreeMap<>();
    map.forEach((k, v) -> out.put(k, v.resource()));
    return out;
  }

  private static <V> SortedMap<String, V> frozen(Map<String, V> map) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(map));
  }

  static <V, T> SortedMap<String, V> mapValues(Map<String, T> in, Function<T, V> f) {
    SortedMap<String, V> out = new TreeMap<>();
    in.forEach((k, v) -> out.put(k, f.apply(v)));
    return out;
  }
}
