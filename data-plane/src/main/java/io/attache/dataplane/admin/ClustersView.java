package io.attache.dataplane.admin;

import io.attache.dataplane.upstream.host.HealthFlag;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What {@code /clusters} shows: the integrator's read-only snapshot of every active cluster, its
 * circuit-breaker thresholds and its hosts. Called on the admin thread; an implementation must only
 * read (copy) state, never take a lock the data path holds for long.
 */
@FunctionalInterface
public interface ClustersView {
  ClustersView NONE = List::of;

  List<Cluster> clusters();

  /** One cluster; {@code thresholds} normally holds DEFAULT then HIGH, as Envoy prints them. */
  record Cluster(String name, boolean addedViaApi, List<Thresholds> thresholds, List<Host> hosts) {
    public Cluster {
      thresholds = List.copyOf(thresholds);
      hosts = List.copyOf(hosts);
    }
  }

  /** Envoy's {@code RoutingPriority}. */
  enum Priority {
    DEFAULT,
    HIGH
  }

  /** The circuit-breaker limits in force for one priority. */
  record Thresholds(
      Priority priority,
      long maxConnections,
      long maxPendingRequests,
      long maxRequests,
      long maxRetries) {}

  /** Envoy's {@code core.v3.Locality}; empty strings where unset. */
  record Locality(String region, String zone, String subZone) {
    public static final Locality NONE = new Locality("", "", "");
  }

  /**
   * One host. {@code ip} is the literal address (IPv6 without brackets); {@code successRate} is
   * Envoy's percentage, {@code -1} when outlier detection has not computed one.
   */
  record Host(
      String ip,
      int port,
      String hostname,
      int weight,
      int priority,
      Locality locality,
      Set<HealthFlag> healthFlags,
      SortedMap<String, Long> counters,
      SortedMap<String, Long> gauges,
      double successRate,
      double localOriginSuccessRate) {
    public Host {
      healthFlags = Set.copyOf(healthFlags);
      counters = new TreeMap<>(counters);
      gauges = new TreeMap<>(gauges);
    }

    /** {@code ip:port}, with brackets around an IPv6 literal, as Envoy prints addresses. */
    public String address() {
      return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
    }
  }
}
