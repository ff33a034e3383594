package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.healthcheck.HealthCheckConfig;
import io.attache.dataplane.healthcheck.HealthChecker;
import io.attache.dataplane.outlier.ClusterBreaker;
import io.attache.dataplane.outlier.OutlierDetectionConfig;
import io.attache.dataplane.outlier.OutlierDetector;
import io.attache.dataplane.outlier.StrictBreakerConfig;
import io.attache.dataplane.pool.UpstreamTransport;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.tls.ClientTlsContext;
import io.attache.dataplane.tls.SecretStore;
import io.attache.dataplane.tls.TlsStats;
import io.attache.dataplane.tls.TransportSockets;
import io.attache.dataplane.tls.UpstreamTlsConfig;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.JdkDnsResolver;
import io.attache.dataplane.xds.Versioned;
import io.attache.dataplane.xds.XdsSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's running clusters by name: the static ones from the bootstrap and the dynamic ones
 * from CDS/EDS, each joined to the data path with its health checker, outlier detector and breaker.
 * Lookups are lock-free reads of immutable maps. A CDS update is {@link #prepare prepared} (every
 * new cluster built and validated, nothing visible) and then {@link #commit committed} with one
 * write; an unchanged cluster keeps its pools, breakers and outlier state, and a replaced or
 * removed one is closed only after a grace period so in-flight requests finish on it. DNS and
 * retirement work run on their own threads, never on an event loop.
 */
final class ClusterRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterRuntime.class);
  private static final String PATH = "static_resources.clusters";

  /** The JDK reports no TTL; answers are cached no longer than Envoy's default refresh rate. */
  private static final Duration DNS_CACHE_TTL = Duration.ofSeconds(5);

  private final ClusterManager manager;
  private final UpstreamContext context;
  private final TimeSources time;
  private final Map<String, Entry> staticClusters;
  private volatile Map<String, Entry> dynamicClusters = Map.of();
  private final ScheduledExecutorService dnsTimer;
  private final JdkDnsResolver resolver;
  private final EventLoopGroup healthCheckGroup;
  private final SecretStore secrets;
  private final ClusterManagerStats managerStats;

  /** One running cluster with the machinery that must stop with it. */
  private static final class Entry {
    final Cluster proto;
    final UpstreamCluster upstream;
    final RunningCluster running;
    final List<AutoCloseable> machinery;
    // Written only by the ADS client's serialised context.
    ClusterLoadAssignment assignment;

    Entry(
        Cluster proto,
        UpstreamCluster upstream,
        RunningCluster running,
        List<AutoCloseable> machinery) {
      this.proto = proto;
      this.upstream = upstream;
      this.running = running;
      this.machinery = machinery;
    }

    void close() {
      running.drainPools();
      upstream.close();
      for (AutoCloseable c : machinery) {
        try {
          c.close();
        } catch (Exception e) {
          log.debug("stopping the machinery of cluster {} failed", proto.getName(), e);
        }
      }
    }
  }

  /** An EDS assignment, parsed, for a cluster that is kept. */
  private record Assignment(
      Entry entry, ClusterLoadAssignment proto, ClusterDefinition.LoadAssignment parsed) {}

  /**
   * A built but not yet visible set of dynamic clusters. Exactly one of {@link #commit} or {@link
   * #abandon} must follow.
   */
  final class Plan {
    private final Map<String, Entry> next;
    private final List<Entry> created;
    private final List<Assignment> assignments;

    private Plan(Map<String, Entry> next, List<Entry> created, List<Assignment> assignments) {
      this.next = next;
      this.created = created;
      this.assignments = assignments;
    }

    /** Stops the clusters this plan built; nothing running changes. */
    void abandon() {
      created.forEach(Entry::close);
    }
  }

  private ClusterRuntime(
      ClusterManager manager,
      ScheduledExecutorService dnsTimer,
      JdkDnsResolver resolver,
      UpstreamContext context,
      SecretStore secrets,
      TimeSources time)
      throws ConfigException {
    this.secrets = secrets;
    this.time = time;
    this.manager = manager;
    this.context = context;
    this.dnsTimer = dnsTimer;
    this.resolver = resolver;
    this.healthCheckGroup = Transports.newEventLoopGroup(1, "attache-health-check");
    Map<String, Entry> byName = new LinkedHashMap<>();
    for (UpstreamCluster c : manager.clusters()) {
      byName.put(c.name(), join(c.definition().source(), c));
    }
    this.staticClusters = java.util.Collections.unmodifiableMap(byName);
    this.managerStats = new ClusterManagerStats(context.stats());
    managerStats.clusterAdded.add(byName.size());
    managerStats.activeClusters.set(byName.size());
  }

  /** Checkers, detectors and breakers register on their cluster before it publishes hosts. */
  private Entry join(Cluster proto, UpstreamCluster c) throws ConfigException {
    String path = "clusters[\"" + c.name() + "\"]";
    Optional<UpstreamTlsConfig> tls = TransportSockets.upstream(proto, path);
    UpstreamTransport transport = UpstreamTransport.PLAINTEXT;
    List<AutoCloseable> machinery = new ArrayList<>();
    if (tls.isPresent()) {
      ClientTlsContext context =
          new ClientTlsContext(
              tls.get(),
              secrets,
              new TlsStats(this.context.stats(), "cluster." + c.name() + ".ssl."));
      transport = context;
      machinery.add(context);
    }
    HealthChecker checker = HealthChecker.create(c, context, healthCheckGroup);
    OutlierDetector detector = OutlierDetector.create(c, context, time.ticker());
    checker.addHostCheckListener(
        (host, type, passed) -> detector.onActiveHealthCheck(host, passed));
    ClusterBreaker breaker = ClusterBreaker.create(c, context.stats(), time.ticker(), time.clock());
    machinery.add(checker);
    machinery.add(detector);
    return new Entry(
        proto,
        c,
        new RunningCluster(
            c, context.stats(), context.random(), time.clock(), detector, breaker, transport),
        List.copyOf(machinery));
  }

  /** Parses every cluster without starting anything; throws naming the first bad field. */
  static void validate(List<Cluster> protos) throws ConfigException {
    for (int i = 0; i < protos.size(); i++) {
      if (protos.get(i).getType() == Cluster.DiscoveryType.EDS) {
        throw new ConfigException(
            PATH + "[" + i + "].type", "an EDS cluster must arrive over CDS (dynamic_resources)");
      }
    }
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
    return start(
        protos,
        stats,
        new SecretStore(),
        new TimeSources(Ticker.SYSTEM, java.time.Clock.systemUTC(), random));
  }

  /** Starts the static clusters; TLS clusters take their secrets from {@code secrets}. */
  static ClusterRuntime start(
      List<Cluster> protos, StatsStore stats, SecretStore secrets, TimeSources time)
      throws ConfigException {
    RandomSource random = time.random();
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
      runtime = new ClusterRuntime(manager, timer, resolver, context, secrets, time);
    } catch (ConfigException e) {
      timer.shutdownNow();
      resolver.close();
      throw e;
    }
    manager.start();
    return runtime;
  }

  /**
   * Builds the dynamic clusters of {@code snapshot} without making any visible: unchanged clusters
   * are kept as they run, new and changed ones are built, started and given their endpoints. Called
   * only from the ADS client's serialised context.
   *
   * @throws ConfigException naming the first cluster or assignment that cannot run; whatever was
   *     built is stopped again
   */
  Plan prepare(XdsSnapshot snapshot) throws ConfigException {
    Map<String, Entry> current = dynamicClusters;
    Map<String, Entry> next = new TreeMap<>();
    List<Entry> created = new ArrayList<>();
    List<Assignment> assignments = new ArrayList<>();
    try {
      for (Versioned<Cluster> versioned : snapshot.clusters().values()) {
        Cluster proto = versioned.resource();
        String path = "clusters[\"" + proto.getName() + "\"]";
        if (staticClusters.containsKey(proto.getName())) {
          throw new ConfigException(
              path + ".name", "a static cluster is already named '" + proto.getName() + "'");
        }
        Optional<ClusterLoadAssignment> cla =
            snapshot.loadAssignmentFor(proto).map(Versioned::resource);
        ClusterDefinition.LoadAssignment parsed =
            cla.isPresent()
                ? ClusterDefinition.loadAssignmentFrom(
                    cla.get(), "cluster_load_assignments[\"" + cla.get().getClusterName() + "\"]")
                : null;
        Entry old = current.get(proto.getName());
        if (old != null && old.proto.equals(proto)) {
          next.put(proto.getName(), old);
          if (parsed != null && !cla.get().equals(old.assignment)) {
            assignments.add(new Assignment(old, cla.get(), parsed));
          }
          continue;
        }
        ClusterDefinition definition = ClusterDefinition.from(proto, path);
        validateHealth(proto, path);
        Entry entry = join(proto, ClusterManager.newCluster(definition, context));
        created.add(entry);
        entry.upstream.start();
        if (parsed != null) {
          entry.upstream.updateLoadAssignment(parsed);
          entry.assignment = cla.get();
        }
        next.put(proto.getName(), entry);
      }
    } catch (ConfigException | RuntimeException e) {
      created.forEach(Entry::close);
      throw e;
    }
    return new Plan(java.util.Collections.unmodifiableMap(next), created, assignments);
  }

  /**
   * Makes {@code plan} the running set with one write and pushes new endpoints into kept EDS
   * clusters; replaced and removed clusters are closed after {@code grace}.
   */
  void commit(Plan plan, Duration grace) {
    Map<String, Entry> previous = dynamicClusters;
    dynamicClusters = plan.next;
    for (Assignment a : plan.assignments) {
      a.entry.upstream.updateLoadAssignment(a.parsed);
      a.entry.assignment = a.proto;
    }
    managerStats.clusterUpdated.add(plan.assignments.size());
    List<Entry> retired = new ArrayList<>();
    for (Entry e : previous.values()) {
      if (plan.next.get(e.proto.getName()) != e) {
        retired.add(e);
        if (!plan.next.containsKey(e.proto.getName())) {
          managerStats.clusterRemoved.inc();
        }
      }
    }
    for (Entry e : plan.created) {
      (previous.containsKey(e.proto.getName())
              ? managerStats.clusterModified
              : managerStats.clusterAdded)
          .inc();
    }
    managerStats.activeClusters.set(staticClusters.size() + plan.next.size());
    if (!retired.isEmpty()) {
      dnsTimer.schedule(
          () -> retired.forEach(Entry::close), grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The running cluster, or null when no cluster has this name. */
  ClusterHandle get(String name) {
    Entry entry = staticClusters.get(name);
    if (entry == null) {
      entry = dynamicClusters.get(name);
    }
    return entry == null ? null : entry.running;
  }

  /** Static clusters in config order, then dynamic ones by name. */
  List<ClustersView.Cluster> view() {
    List<ClustersView.Cluster> out = new ArrayList<>();
    staticClusters.values().forEach(e -> out.add(e.running.view(false)));
    dynamicClusters.values().forEach(e -> out.add(e.running.view(true)));
    return out;
  }

  @Override
  public void close() {
    staticClusters.values().forEach(Entry::close);
    dynamicClusters.values().forEach(Entry::close);
    manager.close();
    healthCheckGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    dnsTimer.shutdownNow();
    resolver.close();
  }
}
