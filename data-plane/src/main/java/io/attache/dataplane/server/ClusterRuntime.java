package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.healthcheck.HealthCheckConfig;
import io.attache.dataplane.healthcheck.HealthChecker;
import io.attache.dataplane.outlier.ClusterBreaker;
import io.attache.dataplane.outlier.OutlierDetectionConfig;
import io.attache.dataplane.outlier.OutlierDetector;
import io.attache.dataplane.outlier.StrictBreakerConfig;
import io.attache.dataplane.proxy.ClusterHandle;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.ExecutorScheduler;
import io.attache.dataplane.upstream.dns.JdkDnsResolver;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.netty.channel.EventLoopGroup;
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

  private final EventLoopGroup healthCheckGroup;
  private final List<AutoCloseable> healthMachinery = new ArrayList<>();

  private ClusterRuntime(
      ClusterManager manager,
      ScheduledExecutorService dnsTimer,
      JdkDnsResolver resolver,
      UpstreamContext context)
      throws ConfigException {
    this.manager = manager;
    this.dnsTimer = dnsTimer;
    this.resolver = resolver;
    this.healthCheckGroup = Transports.newEventLoopGroup(1, "attache-health-check");
    Map<String, RunningCluster> byName = new LinkedHashMap<>();
    // Checkers, detectors and breakers register on their cluster before it publishes hosts.
    for (UpstreamCluster c : manager.clusters()) {
      HealthChecker checker = HealthChecker.create(c, context, healthCheckGroup);
      OutlierDetector detector = OutlierDetector.create(c, context, Ticker.SYSTEM);
      checker.addHostCheckListener(
          (host, type, passed) -> detector.onActiveHealthCheck(host, passed));
      ClusterBreaker breaker =
          ClusterBreaker.create(c, context.stats(), Ticker.SYSTEM, java.time.Clock.systemUTC());
      healthMachinery.add(checker);
      healthMachinery.add(detector);
      byName.put(
          c.name(), new RunningCluster(c, context.stats(), context.random(), detector, breaker));
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
      for (int i = 0; i < protos.size(); i++) {
        validateHealth(protos.get(i), PATH + "[" + i + "]");
      }
    } finally {
      timer.shutdownNow();
    }
  }

  /** Outlier detection, health checks and the strict breaker are parsed by their own packages. */
  private static void validateHealth(Cluster proto, String path) throws ConfigException {
    if (proto.hasOutlierDetection()) {
      OutlierDetectionConfig.from(proto.getOutlierDetection(), path + ".outlier_detection");
    }
    HealthCheckConfig.from(proto.getHealthChecksList(), path + ".health_checks");
    StrictBreakerConfig.fromMetadata(proto.getMetadata(), path + ".metadata");
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
    UpstreamContext context =
        new UpstreamContext(stats, resolver, new ExecutorScheduler(timer), random);
    ClusterManager manager;
    ClusterRuntime runtime;
    try {
      manager = ClusterManager.create(protos, PATH, context);
      runtime = new ClusterRuntime(manager, timer, resolver, context);
    } catch (ConfigException e) {
      timer.shutdownNow();
      resolver.close();
      throw e;
    }
    manager.start();
    return runtime;
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
    for (AutoCloseable c : healthMachinery) {
      try {
        c.close();
      } catch (Exception e) {
        // stopping: nothing useful to do with a failure to stop a timer
      }
    }
    manager.close();
    healthCheckGroup.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    dnsTimer.shutdownNow();
    resolver.close();
  }
}
