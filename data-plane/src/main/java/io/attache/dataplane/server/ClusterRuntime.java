package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.proxy.UpstreamCluster;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.attache.dataplane.upstream.Host;
import io.attache.dataplane.upstream.HostStats;
import io.attache.dataplane.upstream.Locality;
import io.attache.dataplane.upstream.PrioritySet;
import io.attache.dataplane.upstream.lb.LbSettings;
import io.attache.dataplane.upstream.lb.PrioritySetLoadBalancer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's running clusters by name, built from {@code static_resources.clusters}. It owns their
 * lifecycle (membership, pools) and answers the data path's "which cluster is X" lookups without
 * locks. Never does I/O on an event loop.
 */
final class ClusterRuntime implements AutoCloseable {
  private final Map<String, RunningCluster> clusters;

  private ClusterRuntime(Map<String, RunningCluster> clusters) {
    this.clusters = clusters;
  }

  /** Parses every cluster; throws on the first invalid one, naming its field path. */
  static List<ClusterDefinition> validate(List<Cluster> protos) throws ConfigException {
    List<ClusterDefinition> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < protos.size(); i++) {
      String path = "static_resources.clusters[" + i + "]";
      ClusterDefinition d = ClusterDefinition.from(protos.get(i), path);
      Integer previous = seen.put(d.name(), i);
      if (previous != null) {
        throw new ConfigException(
            path + ".name",
            "duplicate cluster name " + d.name() + " (also clusters[" + previous + "])");
      }
      if (d.type() != ClusterDefinition.DiscoveryType.STATIC) {
        throw new ConfigException(
            path + ".type", d.type() + " clusters are not supported by this build yet");
      }
      out.add(d);
    }
    return out;
  }

  static ClusterRuntime start(
      List<Cluster> protos, StatsStore stats, RandomSource random, EventLoopGroup workers)
      throws ConfigException {
    Map<String, RunningCluster> byName = new LinkedHashMap<>();
    for (ClusterDefinition d : validate(protos)) {
      RunningCluster running = new RunningCluster(d, stats);
      List<Host> hosts = staticHosts(d);
      PrioritySet set =
          PrioritySet.of(hosts, localityWeights(d), d.loadAssignment().overprovisioningFactor());
      running.updateHosts(
          hosts,
          new PrioritySetLoadBalancer(
              set, LbSettings.from(d), random, running.healthyPanicCounter()));
      byName.put(d.name(), running);
    }
    return new ClusterRuntime(byName);
  }

  private static List<Host> staticHosts(ClusterDefinition d) throws ConfigException {
    List<Host> hosts = new ArrayList<>();
    for (ClusterDefinition.LocalityEndpoints le : d.loadAssignment().endpoints()) {
      for (ClusterDefinition.EndpointDefinition e : le.lbEndpoints()) {
        InetAddress ip;
        try {
          // STATIC endpoints are IP literals (validated by the parser): no DNS lookup happens.
          ip = InetAddress.getByName(e.address());
        } catch (java.net.UnknownHostException ex) {
          throw new ConfigException(
              "static_resources.clusters." + d.name() + ".load_assignment",
              "not an IP address: " + e.address());
        }
        hosts.add(
            new Host(
                new InetSocketAddress(ip, e.port()),
                e.hostname(),
                Math.max(1, e.loadBalancingWeight()),
                le.locality(),
                le.priority(),
                e.health(),
                new HostStats()));
      }
    }
    return hosts;
  }

  private static Map<Integer, Map<Locality, Integer>> localityWeights(ClusterDefinition d) {
    Map<Integer, Map<Locality, Integer>> out = new HashMap<>();
    for (ClusterDefinition.LocalityEndpoints le : d.loadAssignment().endpoints()) {
      out.computeIfAbsent(le.priority(), p -> new HashMap<>())
          .merge(le.locality(), le.loadBalancingWeight(), Integer::sum);
    }
    return out;
  }

  /** The running cluster, or null when no cluster has this name. */
  UpstreamCluster get(String name) {
    return clusters.get(name);
  }

  List<ClustersView.Cluster> view() {
    List<ClustersView.Cluster> out = new ArrayList<>();
    for (RunningCluster c : clusters.values()) {
      out.add(c.view());
    }
    return out;
  }

  @Override
  public void close() {
    for (RunningCluster c : clusters.values()) {
      c.drainPools();
    }
  }
}
