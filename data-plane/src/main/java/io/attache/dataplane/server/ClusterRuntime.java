package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.proxy.ClusterHandle;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.ExecutorScheduler;
import io.attache.dataplane.upstream.dns.JdkDnsResolver;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The proxy's running clusters by name: the {@link ClusterManager} (membership, DNS refresh) plus
 * the data-path view of each cluster. Lookups are lock-free reads of an immutable map. DNS work
 * runs on its own threads, never on an event loop.
 */
final class ClusterRuntime implements AutoCloseable {
  private static final String PATH = "static_resources.clusters";

  /** The JDK reports no TTL; answers are cached no longer than Envoy's default refresh rate. */
  private static final Duration DNS_CACHE_TTL = Duration.ofSeconds(5);

  private final ClusterManager manager;
  private final Map<String, RunningCluster> clusters;
  private final ScheduledExecutorService dnsTimer;
  private final JdkDnsResolver resolver;

  private ClusterRuntime(
      ClusterManager manager,
      ScheduledExecutorService dnsTimer,
      JdkDnsResolver resolver,
      StatsStore stats,
      RandomSource random) {
    this.manager = manager;
    this.dnsTimer = dnsTimer;
    this.resolver = resolver;
    Map<String, RunningCluster> byName = new LinkedHashMap<>();
    for (UpstreamCluster c : manager.clusters()) {
      byName.put(c.name(), new RunningCluster(c, stats, random));
    }
    this.clusters = Map.copyOf(byName);
  }

  /** Parses every cluster without starting anything; throws naming the first bad field. */
  static void validate(List<Cluster> protos) throws ConfigException {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (JdkDnsResolver resolver = JdkDnsResolver.create(DNS_CACHE_TTL);
        ClusterManager unused =
            ClusterManager.create(
                protos,
                PATH,
                new UpstreamContext(
                    new StatsStore(),
                    resolver,
                    new ExecutorScheduler(timer),
                    RandomSource.SYSTEM))) {
      // parsing is the check
    } finally {
      timer.shutdownNow();
    }
  }

  static ClusterRuntime start(List<Cluster> protos, StatsStore stats, RandomSource random)
      throws ConfigException {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "attache-dns-refresh");
              t.setDaemon(true);
              return t;
            });
    JdkDnsResolver resolver = JdkDnsResolver.create(DNS_CACHE_TTL);
    ClusterManager manager;
    try {
      manager =
          ClusterManager.create(
              protos,
              PATH,
              new UpstreamContext(stats, resolver, new ExecutorScheduler(timer), random));
    } catch (ConfigException e) {
      timer.shutdownNow();
      resolver.close();
      throw e;
    }
    manager.start();
    return new ClusterRuntime(manager, timer, resolver, stats, random);
  }

  /** The running cluster, or null when no cluster has this name. */
  ClusterHandle get(String name) {
    return clusters.get(name);
  }

  /** The first host of a cluster, for side channels (the trace collector); empty if none. */
  Optional<InetSocketAddress> firstHostAddress(String clusterName) {
    return manager
        .cluster(clusterName)
        .flatMap(c -> c.prioritySet().allHosts().stream().findFirst())
        .map(h -> h.address());
  }

  List<ClustersView.Cluster> view() {
    List<ClustersView.Cluster> out = new ArrayList<>();
    for (UpstreamCluster c : manager.clusters()) {
      out.add(clusters.get(c.name()).view());
    }
    return out;
  }

  @Override
  public void close() {
    clusters.values().forEach(RunningCluster::drainPools);
    manager.close();
    dnsTimer.shutdownNow();
    resolver.close();
  }
}
