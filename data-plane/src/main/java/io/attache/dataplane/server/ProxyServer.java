package io.attache.dataplane.server;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.admin.AdminConfig;
import io.attache.dataplane.admin.AdminServer;
import io.attache.dataplane.admin.AdminSources;
import io.attache.dataplane.admin.HealthCheckState;
import io.attache.dataplane.admin.ServerDetails;
import io.attache.dataplane.admin.ServerInitState;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.config.FieldSupport;
import io.attache.dataplane.config.SupportMatrix;
import io.attache.dataplane.fault.FaultInjector;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.listener.HttpListener;
import io.attache.dataplane.listener.ListenerConfig;
import io.attache.dataplane.proxy.HcmStats;
import io.attache.dataplane.proxy.ListenerContext;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tracing.BatchingSpanExporter;
import io.attache.dataplane.tracing.LocalInfo;
import io.attache.dataplane.tracing.Tracer;
import io.attache.dataplane.tracing.TracingConfig;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.dns.ExecutorScheduler;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running proxy built from a bootstrap: clusters, listeners, admin endpoint, and their event
 * loops. Everything is validated before the first socket is bound, so a bad config starts nothing.
 * {@link #drainAndStop} stops accepting, lets in-flight requests finish, then releases everything.
 */
public final class ProxyServer {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private final Bootstrap bootstrap;
  private final StatsStore stats;
  private final ClusterRuntime clusters;
  private final List<HttpListener> listeners;
  private final List<ListenerContext> contexts;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final AdminServer admin;
  private final HealthCheckState healthCheck = new HealthCheckState();
  private final List<BatchingSpanExporter> exporters = new ArrayList<>();
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "attache-timers");
            t.setDaemon(true);
            return t;
          });
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile InetSocketAddress adminAddress;
  private volatile boolean stopping;

  private ProxyServer(Bootstrap bootstrap, ProxyOptions options, Validated validated)
      throws ConfigException {
    this.bootstrap = bootstrap;
    this.stats = new StatsStore();
    this.acceptors = Transports.newEventLoopGroup(1, "attache-accept");
    this.workers = Transports.newEventLoopGroup(options.concurrency(), "attache-worker");
    this.clusters =
        ClusterRuntime.start(
            bootstrap.getStaticResources().getClustersList(), stats, RandomSource.SYSTEM);
    this.listeners = new ArrayList<>();
    this.contexts = new ArrayList<>();
    for (int i = 0; i < validated.listeners().size(); i++) {
      ListenerConfig config = validated.listeners().get(i);
      ListenerContext context =
          new ListenerContext(
              config.hcm(),
              clusters::get,
              new HcmStats(stats, config.hcm().statPrefix()),
              new Http1ServerCodecFactory(config.hcm().http1(), stats),
              AccessLoggers.fromProtos(
                  config.hcm().proto().getAccessLogList(), accessLogPath(i), stats),
              config.hcm().fault().map(f -> new FaultInjector(f, config.hcm().statPrefix(), stats)),
              tracerFor(config),
              RandomSource.SYSTEM,
              Ticker.SYSTEM);
      contexts.add(context);
      listeners.add(new HttpListener(config, () -> context));
    }
    this.admin =
        new AdminServer(
            validated.admin(),
            AdminSources.builder()
                .stats(stats)
                .initState(() -> ServerInitState.INITIALIZED)
                .healthCheck(healthCheck)
                .serverDetails(
                    new ServerDetails(
                        ProxyOptions.VERSION,
                        bootstrap.getNode(),
                        CommandLineOptions.newBuilder()
                            .setConcurrency(options.concurrency())
                            .setDrainTime(
                                com.google.protobuf.Duration.newBuilder()
                                    .setSeconds(options.drainTime().toSeconds()))
                            .build()))
                .clusters(clusters::view)
                .configDump(
                    () -> List.of(BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).build()))
                .onQuitQuitQuit(() -> drainAndStop(Duration.ZERO))
                .accessLog(
                    AccessLoggers.fromProtos(
                        validated.admin().accessLogs(), "admin.access_log", stats))
                .build());
  }

  private Tracer tracerFor(ListenerConfig config) {
    Optional<TracingConfig> tracing = config.hcm().tracing();
    if (tracing.isEmpty() || tracing.get().exporter().isEmpty()) {
      return Tracer.DISABLED;
    }
    BatchingSpanExporter exporter =
        BatchingSpanExporter.forCollector(
            tracing.get().exporter().get(),
            clusters::firstHostAddress,
            stats,
            new ExecutorScheduler(timers));
    exporters.add(exporter);
    return Tracer.forConfig(
        tracing,
        new LocalInfo(bootstrap.getNode().getId(), bootstrap.getNode().getLocality().getZone()),
        exporter,
        RandomSource.SYSTEM,
        java.time.Clock.systemUTC());
  }

  /**
   * Checks a bootstrap completely without binding anything; returns the warnings (ignored fields)
   * and throws on the first field that is rejected.
   */
  public static List<String> validate(Bootstrap bootstrap) throws ConfigException {
    return check(bootstrap).warnings();
  }

  /** Validates, then binds every listener and the admin endpoint. */
  public static ProxyServer start(Bootstrap bootstrap, ProxyOptions options)
      throws ConfigException {
    Validated validated = check(bootstrap);
    for (String w : validated.warnings()) {
      log.warn("config: {}", w);
    }
    ProxyServer server = new ProxyServer(bootstrap, options, validated);
    try {
      server.bind();
    } catch (RuntimeException | InterruptedException e) {
      server.releaseAll();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new ConfigException("", "cannot start: " + e.getMessage(), e);
    }
    return server;
  }

  private record Validated(
      List<ListenerConfig> listeners, AdminConfig admin, List<String> warnings) {}

  private static Validated check(Bootstrap bootstrap) throws ConfigException {
    List<String> warnings = new ArrayList<>();
    for (FieldSupport.Finding f : SupportMatrix.get().check(bootstrap, "")) {
      if (f.status() == FieldSupport.Status.REJECTED) {
        throw new ConfigException(f.path(), f.message());
      }
      warnings.add(f.toString());
    }
    ClusterRuntime.validate(bootstrap.getStaticResources().getClustersList());
    List<ListenerConfig> listeners = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Listener> protos = bootstrap.getStaticResources().getListenersList();
    for (int i = 0; i < protos.size(); i++) {
      String path = "static_resources.listeners[" + i + "]";
      ListenerConfig config = ListenerConfig.from(protos.get(i), path);
      if (!names.add(config.name())) {
        throw new ConfigException(path + ".name", "duplicate listener name " + config.name());
      }
      // Builds the loggers once against throw-away stats to surface format errors now.
      AccessLoggers.fromProtos(
              config.hcm().proto().getAccessLogList(), accessLogPath(i), new StatsStore())
          .close();
      listeners.add(config);
    }
    return new Validated(listeners, AdminConfig.fromBootstrap(bootstrap), warnings);
  }

  private static String accessLogPath(int listener) {
    return "static_resources.listeners["
        + listener
        + "].filter_chains[0].filters[0].typed_config.access_log";
  }

  private void bind() throws InterruptedException {
    for (HttpListener l : listeners) {
      l.bind(acceptors, workers).sync();
      log.info(
          "listener {} serving on {} (codec {}, transport {})",
          l.config().name(),
          l.boundAddress(),
          l.config().hcm().codecType(),
          Transports.nativeEpoll() ? "epoll" : "nio");
    }
    adminAddress = admin.start();
    log.info(
        "admin endpoint on http://{}:{}/", adminAddress.getHostString(), adminAddress.getPort());
  }

  /** The bound address of each listener by name (ports resolved when the config said 0). */
  public Map<String, InetSocketAddress> listenerAddresses() {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    for (HttpListener l : listeners) {
      out.put(l.config().name(), l.boundAddress());
    }
    return out;
  }

  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  public StatsStore stats() {
    return stats;
  }

  public Bootstrap bootstrap() {
    return bootstrap;
  }

  /**
   * Graceful stop: stop accepting, report DRAINING on {@code /ready}, let in-flight requests finish
   * for at most {@code drainTime}, then close every connection and release the event loops.
   */
  public void drainAndStop(Duration drainTime) {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    log.info("draining for at most {} s", drainTime.toSeconds());
    healthCheck.fail();
    for (HttpListener l : listeners) {
      l.stopAccepting().syncUninterruptibly();
    }
    long deadline = System.nanoTime() + drainTime.toNanos();
    while (activeRequests() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20); // the shutdown thread polls; no event loop waits here
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    long left = activeRequests();
    if (left > 0) {
      log.warn("drain time over with {} requests in flight; closing them", left);
    }
    releaseAll();
    log.info("stopped");
  }

  private long activeRequests() {
    long n = 0;
    for (ListenerContext c : contexts) {
      n += c.stats().downstreamRqActive.value();
    }
    return n;
  }

  private void releaseAll() {
    for (HttpListener l : listeners) {
      l.closeConnections();
    }
    admin.close();
    exporters.forEach(BatchingSpanExporter::close);
    timers.shutdownNow();
    clusters.close();
    for (ListenerContext c : contexts) {
      c.accessLog().close();
    }
    acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    terminated.countDown();
  }

  /** Blocks the calling (main) thread until the server has stopped. */
  public void awaitTermination() {
    try {
      terminated.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
