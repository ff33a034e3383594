package io.attache.dataplane.server;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
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
import io.attache.dataplane.drain.DrainDirection;
import io.attache.dataplane.drain.DrainManager;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.LocalServer;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.RouteConfigSource;
import io.attache.dataplane.hcm.UserAgent;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.listener.ChainRuntime;
import io.attache.dataplane.listener.FilterChainConfig;
import io.attache.dataplane.listener.HttpListener;
import io.attache.dataplane.listener.ListenerConfig;
import io.attache.dataplane.listener.ListenerRuntime;
import io.attache.dataplane.listener.ListenerStats;
import io.attache.dataplane.listener.OriginalDestinationListeners;
import io.attache.dataplane.listener.UdpListener;
import io.attache.dataplane.listener.UdpListenerConfig;
import io.attache.dataplane.listenerfilter.ListenerFilterStats;
import io.attache.dataplane.overload.GlobalDownstreamConnections;
import io.attache.dataplane.overload.OverloadManager;
import io.attache.dataplane.overload.OverloadManagerConfig;
import io.attache.dataplane.overload.OverloadState;
import io.attache.dataplane.proxy.HcmStats;
import io.attache.dataplane.proxy.ListenerContext;
import io.attache.dataplane.runtime.RuntimeLoader;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.stats.TagExtractor;
import io.attache.dataplane.tcpproxy.TcpProxyConfig;
import io.attache.dataplane.tcpproxy.TcpProxyFilter;
import io.attache.dataplane.tcpproxy.UpstreamConnector;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.tls.CertificateReport;
import io.attache.dataplane.tls.CommonTlsConfig;
import io.attache.dataplane.tls.DownstreamTlsConfig;
import io.attache.dataplane.tls.SecretSource;
import io.attache.dataplane.tls.SecretStore;
import io.attache.dataplane.tls.ServerTlsContext;
import io.attache.dataplane.tls.TlsSecret;
import io.attache.dataplane.tls.TlsStats;
import io.attache.dataplane.tls.TransportSockets;
import io.attache.dataplane.tls.UpstreamTlsConfig;
import io.attache.dataplane.tracing.ActiveStreams;
import io.attache.dataplane.tracing.BatchingSpanExporter;
import io.attache.dataplane.tracing.LocalInfo;
import io.attache.dataplane.tracing.OtlpExporterConfig;
import io.attache.dataplane.tracing.SkyWalkingReporter;
import io.attache.dataplane.tracing.SkyWalkingTracerConfig;
import io.attache.dataplane.tracing.TraceReporter;
import io.attache.dataplane.tracing.Tracer;
import io.attache.dataplane.tracing.TracingConfig;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.attache.dataplane.xds.AdsClient;
import io.attache.dataplane.xds.ApplyResult;
import io.attache.dataplane.xds.Versioned;
import io.attache.dataplane.xds.XdsClientConfig;
import io.attache.dataplane.xds.XdsConfigDump;
import io.attache.dataplane.xds.XdsResourceType;
import io.attache.dataplane.xds.XdsSnapshot;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running proxy built from a bootstrap: clusters, listeners, admin endpoint, and their event
 * loops. Everything is validated before the first socket is bound, so a bad config starts nothing.
 * With {@code dynamic_resources} it also runs an {@link AdsClient} and applies each snapshot it
 * delivers: the whole new config is built and validated first, then swapped in; a snapshot that
 * cannot be applied is rejected (NACK) and changes nothing. In-flight requests finish on the config
 * they started with. {@link #drainAndStop} stops accepting, lets in-flight requests finish, then
 * releases everything. Snapshots are applied on the ADS client's context; nothing here runs on an
 * event loop.
 */
public final class ProxyServer {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  /** What Envoy reports as its hot-restart version when hot restart is not available. */
  public static final String HOT_RESTART_VERSION = "disabled";

  private final Bootstrap bootstrap;
  private final StatsStore stats;
  private final SecretStore secrets = new SecretStore();
  private final ClusterRuntime clusters;
  private final ProxyOptions options;
  private final List<HttpListener> listeners;
  private final List<UdpListener> udpListeners;
  private final List<OwnedContext> contexts = new CopyOnWriteArrayList<>();
  private final Optional<XdsClientConfig> xds;
  private final RuntimeLoader runtime;
  // Guarded by configLock; read by listenerAddresses from any thread.
  private final Map<String, DynamicListener> dynamicListeners = new ConcurrentHashMap<>();
  private final List<HttpListener> everyDynamicListener = new CopyOnWriteArrayList<>();
  private final Object configLock = new Object();
  // Static listeners first, then those from LDS; read on event loops at each hand-off.
  private final OriginalDestinationListeners handOffTargets =
      new OriginalDestinationListeners(this::servingListeners);
  private volatile Optional<AdsClient> ads = Optional.empty();
  private volatile boolean firstSnapshotApplied;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final AdminServer admin;
  private final HealthCheckState healthCheck = new HealthCheckState();
  private final DrainManager drainManager;
  private final ListenerManagerStats listenerStats;
  private final ServerStats serverStats;
  private final StatsFlushConfig statsFlush;
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "attache-timers");
            t.setDaemon(true);
            return t;
          });
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile InetSocketAddress adminAddress;
  // When the bootstrap's inline route configs were loaded: their last_updated in /config_dump.
  private final Timestamp startedAt;
  private volatile boolean stopping;
  private final Optional<OverloadManager> overload;

  /** The overload manager's global downstream connection budget, or none. */
  private GlobalDownstreamConnections globalConnections() {
    return overload
        .map(OverloadManager::downstreamConnections)
        .orElse(GlobalDownstreamConnections.UNLIMITED);
  }

  private ProxyServer(Bootstrap bootstrap, ProxyOptions options, Validated validated)
      throws ConfigException {
    this.bootstrap = bootstrap;
    this.options = options;
    java.time.Instant now = options.time().clock().instant();
    this.startedAt =
        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    this.xds = validated.xds();
    this.runtime = validated.runtime();
    this.statsFlush = validated.statsFlush();
    this.stats = new StatsStore();
    runtime.publishTo(stats);
    this.listenerStats = new ListenerManagerStats(stats);
    this.overload =
        validated
            .overload()
            .map(
                config ->
                    new OverloadManager(
                        config,
                        options.heap(),
                        new ExecutorScheduler(timers),
                        options.time().ticker(),
                        stats));
    this.drainManager =
        new DrainManager(
            options.drainTime(),
            options.drainStrategy(),
            options.time().ticker(),
            options.time().random(),
            new ExecutorScheduler(timers),
            () -> healthCheck.status() == HealthCheckState.Status.FAILED);
    this.acceptors = Transports.newEventLoopGroup(1, "attache-accept");
    this.workers = Transports.newEventLoopGroup(options.concurrency(), "attache-worker");
    secrets.putStatic(bootstrap.getStaticResources().getSecretsList(), "static_resources.secrets");
    this.clusters =
        ClusterRuntime.start(
            bootstrap.getStaticResources().getClustersList(), stats, secrets, options.time());
    this.listeners = new ArrayList<>();
    for (int i = 0; i < validated.listeners().size(); i++) {
      ListenerConfig config = validated.listeners().get(i);
      ListenerRuntime runtime = newContext(config, ActiveStreams.UNTRACKED).runtime();
      listeners.add(
          new HttpListener(
              config, () -> runtime, listenerStats(config), handOffTargets, globalConnections()));
    }
    this.udpListeners = new ArrayList<>();
    for (UdpListenerConfig config : validated.udpListeners()) {
      udpListeners.add(new UdpListener(config, stats, clusters::get, options.time().ticker()));
    }
    int staticListeners = listeners.size() + udpListeners.size();
    listenerStats.listenerAdded.add(staticListeners);
    listenerStats.listenerCreateSuccess.add((long) staticListeners * options.concurrency());
    listenerStats.totalListenersActive.set(staticListeners);
    this.serverStats =
        new ServerStats(
            stats,
            new ServerStats.ServerIdentity(
                options.concurrency(),
                ServerStats.versionNumber(
                    io.attache.api.BuildVersion.get(),
                    bootstrap.hasStatsServerVersionOverride()
                        ? bootstrap.getStatsServerVersionOverride().getValue()
                        : 0),
                options.restartEpoch()),
            options.time().ticker(),
            this::serverState,
            this::openConnections,
            () ->
                CertificateReport.daysUntilFirstExpiring(
                    secrets, options.time().clock().instant()));
    this.admin =
        new AdminServer(
            validated.admin(),
            AdminSources.builder()
                .stats(stats)
                .initState(
                    () ->
                        xds.isEmpty() || firstSnapshotApplied
                            ? ServerInitState.INITIALIZED
                            : ServerInitState.INITIALIZING)
                .healthCheck(healthCheck)
                .beforeStats(statsFlush.onAdmin() ? this::flushStats : () -> {})
                .tagExtractor(TagExtractor.envoyDefaults().withFixedTags(options.statsTags()))
                .serverDetails(
                    new ServerDetails(
                        io.attache.api.BuildVersion.get(),
                        bootstrap.getNode(),
                        options.commandLine()))
                .clusters(clusters::view)
                .configDump(this::configDump)
                .listeners(this::listenerAddresses)
                .runtime(runtime)
                .unreadyTargets(
                    () ->
                        ads.map(client -> client.configDump().unreadyTargets())
                            .orElse(UnreadyTargetsDumps.getDefaultInstance()))
                .memory(() -> ProcessMemory.read().toProto())
                .certificates(
                    () -> CertificateReport.certificates(secrets, options.time().clock().instant()))
                .onQuitQuitQuit(() -> drainAndStop(Duration.ZERO))
                .onDrainListeners(this::drainListeners)
                .accessLog(
                    AccessLoggers.fromProtos(
                        validated.admin().accessLogs(), "admin.access_log", stats))
                .build());
  }

  /**
   * A listener's runtime and what it alone owns (the access-log files, OTLP exporters and TLS
   * secret watches of its filter chains), released together once the runtime is retired and its
   * last stream has finished.
   */
  private record OwnedContext(
      ListenerRuntime runtime, ActiveStreams streams, List<TraceReporter> exporters) {
    /** Flushes and closes; blocks briefly, so never on an event loop. */
    void close() {
      closeAll(runtime.all(), exporters);
    }
  }

  private static void closeAll(List<ChainRuntime> chains, List<TraceReporter> exporters) {
    for (ChainRuntime chain : chains) {
      chain.http().ifPresent(http -> http.accessLog().close());
      chain.tcpProxy().ifPresent(TcpProxyFilter::close);
      chain.tls().ifPresent(ServerTlsContext::close);
    }
    exporters.forEach(TraceReporter::close);
  }

  /** A listener's runtime: every filter chain's running state; access logs and exporters opened. */
  private OwnedContext newContext(ListenerConfig config, ActiveStreams streams)
      throws ConfigException {
    List<TraceReporter> exporters = new ArrayList<>();
    List<ChainRuntime> opened = new ArrayList<>();
    try {
      List<ChainRuntime> chains = new ArrayList<>();
      for (FilterChainConfig chain : config.filterChains().chains()) {
        ChainRuntime running = newChain(config, chain, streams, exporters);
        opened.add(running);
        chains.add(running);
      }
      Optional<ChainRuntime> defaultChain = Optional.empty();
      if (config.filterChains().defaultChain().isPresent()) {
        ChainRuntime running =
            newChain(config, config.filterChains().defaultChain().get(), streams, exporters);
        opened.add(running);
        defaultChain = Optional.of(running);
      }
      String scope = listenerStatScope(config);
      ListenerRuntime runtime =
          new ListenerRuntime(
              config.filterChains().map(chains, defaultChain),
              new ListenerFilterStats(stats, scope, config.listenerFilters()),
              stats.counter(scope + "no_filter_chain_match"));
      OwnedContext owned = new OwnedContext(runtime, streams, List.copyOf(exporters));
      contexts.add(owned);
      return owned;
    } catch (ConfigException | RuntimeException e) {
      closeAll(opened, exporters);
      throw e;
    }
  }

  private ChainRuntime newChain(
      ListenerConfig listener,
      FilterChainConfig chain,
      ActiveStreams streams,
      List<TraceReporter> exporters)
      throws ConfigException {
    if (chain.tcpProxy().isPresent()) {
      TcpProxyConfig tcp = chain.tcpProxy().get();
      AccessLoggers accessLog =
          AccessLoggers.fromProtos(tcp.accessLog(), chain.accessLogPath(), stats);
      TcpProxyFilter filter =
          new TcpProxyFilter(
              tcp,
              stats,
              clusters::get,
              accessLog,
              ExecutorScheduler::new,
              options.time().ticker(),
              options.time().clock(),
              options.time().random(),
              UpstreamConnector.SOCKET);
      return ChainRuntime.tcp(chain, serverTls(listener, chain), filter);
    }
    HttpConnectionManagerConfig hcm = chain.hcm().orElseThrow();
    Tracer tracer = tracerFor(hcm, exporters);
    AccessLoggers accessLog =
        AccessLoggers.fromProtos(hcm.proto().getAccessLogList(), chain.accessLogPath(), stats);
    FilterFactoryContext filterContext =
        new FilterFactoryContext(
            "",
            hcm.statPrefix(),
            stats,
            clusters::get,
            options.time().random(),
            options.time().ticker(),
            options.time().clock(),
            secrets,
            runtime,
            new LocalServer(
                bootstrap.getNode().getCluster(),
                () -> healthCheck.status() == HealthCheckState.Status.FAILED));
    ListenerContext context =
        new ListenerContext(
            hcm,
            hcm.httpFilters().stream()
                .map(
                    f ->
                        new FilterChainEntry(
                            f.name(),
                            f.type().canonicalName(),
                            f.disabled(),
                            f.factory(filterContext)))
                .toList(),
            new HcmStats(stats, hcm.statPrefix(), listenerStats(listener).prefix()),
            new Http1ServerCodecFactory(hcm.http1(), stats),
            new Http2ServerCodecFactory(hcm.http2(), stats, options.time().ticker()),
            accessLog,
            tracer.countingStreamsIn(streams),
            options.time().random(),
            options.time().ticker(),
            options.time().clock(),
            serverTls(listener, chain),
            listener.proto().hasPerConnectionBufferLimitBytes()
                ? Integer.toUnsignedLong(
                    listener.proto().getPerConnectionBufferLimitBytes().getValue())
                : ListenerContext.DEFAULT_BUFFER_LIMIT_BYTES,
            drainManager.decisionFor(inbound(listener)),
            overload.<OverloadState>map(m -> m).orElse(OverloadState.NONE),
            UserAgent.from(hcm.proto(), bootstrap.getNode()));
    return ChainRuntime.http(chain, context);
  }

  private static boolean inbound(ListenerConfig listener) {
    return listener.proto().getTrafficDirection() == TrafficDirection.INBOUND;
  }

  /**
   * Envoy's {@code POST /drain_listeners}. Graceful: the drain sequence starts (unless one covering
   * {@code direction} is under way), the listeners keep accepting for the drain time and then stop.
   * Otherwise the drain starts and the listeners stop at once. Either way connections already open
   * are asked to close per {@code --drain-strategy}; {@code skipExit} leaves the listeners
   * accepting.
   */
  private void drainListeners(DrainDirection direction, boolean graceful, boolean skipExit) {
    Runnable stop = skipExit ? () -> {} : () -> stopListeners(direction);
    if (graceful) {
      if (drainManager.startDrainSequence(direction, stop)) {
        log.info("draining {} listeners for {} s", direction, options.drainTime().toSeconds());
      }
      return;
    }
    drainManager.startDrainSequence(direction, () -> {});
    stop.run();
  }

  /**
   * Envoy's {@code ListenerManager::stopListeners}: the listeners {@code direction} covers stop
   * accepting (counted in {@code listener_manager.listener_stopped}); their connections stay.
   */
  private void stopListeners(DrainDirection direction) {
    List<HttpListener> all = new ArrayList<>(listeners);
    synchronized (configLock) {
      dynamicListeners.values().forEach(l -> all.add(l.listener));
    }
    for (HttpListener l : all) {
      if (direction.covers(inbound(l.config())) && l.accepting()) {
        l.stopAccepting();
        listenerStats.listenerStopped.inc();
        log.info("listener {} stopped accepting", l.config().name());
      }
    }
  }

  private Optional<ServerTlsContext> serverTls(ListenerConfig listener, FilterChainConfig chain) {
    return chain
        .tls()
        .map(
            tls ->
                new ServerTlsContext(
                    tls, secrets, new TlsStats(stats, listenerStatScope(listener) + "ssl.")));
  }

  private ListenerStats listenerStats(ListenerConfig config) {
    return new ListenerStats(
        stats, ListenerStats.scopeOf(config.proto().getStatPrefix(), config.address()));
  }

  /** Envoy's per-listener stat scope: {@code listener.<address>_<port>.} or its stat_prefix. */
  private static String listenerStatScope(ListenerConfig config) {
    return "listener."
        + ListenerStats.scopeOf(config.proto().getStatPrefix(), config.address())
        + ".";
  }

  /** The secret store TLS contexts read; SDS secrets from ADS snapshots land here. */
  public SecretStore secrets() {
    return secrets;
  }

  /**
   * Envoy's dumps, in Envoy's order: the bootstrap, then clusters and listeners each with the
   * bootstrap's as {@code static_*} and, with ADS, the dynamic ones, then routes, secrets and
   * endpoints. The admin endpoint redacts secrets and applies the query.
   */
  private List<Message> configDump() {
    List<Message> out = new ArrayList<>();
    out.add(BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).build());
    XdsConfigDump dynamic = ads.map(AdsClient::configDump).orElse(XdsConfigDump.EMPTY);
    ClustersConfigDump.Builder clusters = dynamic.clusters().toBuilder();
    for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
      clusters.addStaticClusters(
          ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(c)));
    }
    out.add(clusters.build());
    ListenersConfigDump.Builder listeners = dynamic.listeners().toBuilder();
    for (Listener l : bootstrap.getStaticResources().getListenersList()) {
      listeners.addStaticListeners(
          ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(l)));
    }
    out.add(listeners.build());
    out.add(routesDump(dynamic));
    SecretsConfigDump.Builder secretsDump = dynamic.secrets().toBuilder();
    for (Secret secret : bootstrap.getStaticResources().getSecretsList()) {
      secretsDump.addStaticSecrets(
          SecretsConfigDump.StaticSecret.newBuilder()
              .setName(secret.getName())
              .setSecret(Any.pack(secret)));
    }
    out.add(secretsDump.build());
    out.add(dynamic.endpoints());
    return out;
  }

  /**
   * Envoy's {@code RoutesConfigDump}: every listener's inline route configs as {@code
   * static_route_configs} (the bootstrap's, then the running LDS listeners', by name), then the RDS
   * ones.
   */
  private RoutesConfigDump routesDump(XdsConfigDump dynamic) {
    RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
    for (Listener l : bootstrap.getStaticResources().getListenersList()) {
      addInlineRoutes(routes, l, startedAt);
    }
    for (ListenersConfigDump.DynamicListener l : dynamic.listeners().getDynamicListenersList()) {
      if (l.hasActiveState()) {
        try {
          addInlineRoutes(
              routes,
              l.getActiveState().getListener().unpack(Listener.class),
              l.getActiveState().getLastUpdated());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalStateException("a running listener always parses", e);
        }
      }
    }
    return routes.addAllDynamicRouteConfigs(dynamic.routes().getDynamicRouteConfigsList()).build();
  }

  private static void addInlineRoutes(
      RoutesConfigDump.Builder routes, Listener listener, Timestamp lastUpdated) {
    for (RouteConfiguration config : InlineRouteConfigs.of(listener)) {
      routes.addStaticRouteConfigs(
          RoutesConfigDump.StaticRouteConfig.newBuilder()
              .setRouteConfig(Any.pack(config))
              .setLastUpdated(lastUpdated));
    }
  }

  /**
   * The connection manager's tracer and the reporter it sends to (added to {@code reporters}, which
   * the listener closes when retired): {@link Tracer#DISABLED} without a provider.
   */
  private Tracer tracerFor(HttpConnectionManagerConfig hcm, List<TraceReporter> reporters) {
    Optional<TracingConfig> tracing = hcm.tracing();
    if (tracing.isEmpty() || !tracing.get().hasProvider()) {
      return Tracer.DISABLED;
    }
    LocalInfo localInfo =
        new LocalInfo(bootstrap.getNode().getId(), bootstrap.getNode().getLocality().getZone());
    if (tracing.get().skyWalking().isPresent()) {
      SkyWalkingTracerConfig skyWalking =
          tracing
              .get()
              .skyWalking()
              .get()
              .withNodeDefaults(bootstrap.getNode().getCluster(), bootstrap.getNode().getId());
      SkyWalkingReporter reporter =
          new SkyWalkingReporter(
              skyWalking,
              clusters::get,
              workers.next(),
              new ExecutorScheduler(timers),
              options.time().random(),
              stats);
      reporters.add(reporter);
      return Tracer.forSkyWalking(
          tracing.get(),
          localInfo,
          skyWalking,
          reporter,
          options.time().random(),
          options.time().clock());
    }
    BatchingSpanExporter exporter =
        tracing.get().datadog().isPresent()
            ? BatchingSpanExporter.forDatadog(
                tracing.get().datadog().get(),
                clusters::get,
                workers.next(),
                stats,
                new ExecutorScheduler(timers))
            : tracing.get().zipkin().isPresent()
                ? BatchingSpanExporter.forZipkin(
                    tracing.get().zipkin().get(),
                    bootstrap.getNode().getCluster(),
                    clusters::get,
                    workers.next(),
                    stats,
                    new ExecutorScheduler(timers),
                    runtime)
                : BatchingSpanExporter.forCollector(
                    tracing.get().exporter().get(),
                    clusters::get,
                    workers.next(),
                    stats,
                    new ExecutorScheduler(timers),
                    options.time().random());
    reporters.add(exporter);
    return Tracer.forConfig(
        tracing, localInfo, exporter, options.time().random(), options.time().clock());
  }

  /**
   * Checks a bootstrap completely without binding anything; returns the warnings (ignored fields)
   * and throws on the first field that is rejected.
   */
  public static List<String> validate(Bootstrap bootstrap) throws ConfigException {
    return check(bootstrap).warnings();
  }

  /**
   * Validates, then binds every listener and the admin endpoint. Every clock read and random draw
   * of the proxy (weighted clusters, runtime fractions, fault percentages, load balancing, jitter,
   * request ids) comes from {@code options.time()}: tests pass a seeded source and assert exact
   * outcomes.
   */
  public static ProxyServer start(Bootstrap bootstrap, ProxyOptions options)
      throws ConfigException {
    Validated validated = check(bootstrap);
    for (String w : validated.warnings()) {
      log.warn("config: {}", w);
    }
    ProxyServer server = new ProxyServer(bootstrap, options, validated);
    try {
      server.bind();
      server.overload.ifPresent(OverloadManager::start);
      server.startAds();
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
      RuntimeLoader runtime,
      List<ListenerConfig> listeners,
      List<UdpListenerConfig> udpListeners,
      AdminConfig admin,
      Optional<XdsClientConfig> xds,
      StatsFlushConfig statsFlush,
      Optional<OverloadManagerConfig> overload,
      List<String> warnings) {}

  private static Validated check(Bootstrap bootstrap) throws ConfigException {
    List<String> warnings = new ArrayList<>();
    for (FieldSupport.Finding f : SupportMatrix.get().check(bootstrap, "")) {
      if (f.status() == FieldSupport.Status.REJECTED) {
        throw new ConfigException(f.path(), f.message());
      }
      warnings.add(f.toString());
    }
    SecretStore staticSecrets = new SecretStore();
    staticSecrets.putStatic(
        bootstrap.getStaticResources().getSecretsList(), "static_resources.secrets");
    ClusterRuntime.validate(bootstrap.getStaticResources().getClustersList());
    List<Cluster> clusterProtos = bootstrap.getStaticResources().getClustersList();
    for (int i = 0; i < clusterProtos.size(); i++) {
      String path = "static_resources.clusters[" + i + "]";
      checkSecretReferences(
          TransportSockets.upstream(clusterProtos.get(i), path).map(UpstreamTlsConfig::common),
          staticSecrets,
          path + ".transport_socket.typed_config.common_tls_context");
    }
    RuntimeLoader runtime =
        new RuntimeLoader(
            bootstrap.hasLayeredRuntime()
                ? RuntimeSnapshot.from(bootstrap.getLayeredRuntime(), "layered_runtime")
                : RuntimeSnapshot.EMPTY);
    List<ListenerConfig> listeners = new ArrayList<>();
    List<UdpListenerConfig> udpListeners = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<Listener> protos = bootstrap.getStaticResources().getListenersList();
    for (int i = 0; i < protos.size(); i++) {
      String path = "static_resources.listeners[" + i + "]";
      if (UdpListenerConfig.isUdp(protos.get(i))) {
        UdpListenerConfig udp = UdpListenerConfig.from(protos.get(i), path);
        if (!names.add(udp.name())) {
          throw new ConfigException(path + ".name", "duplicate listener name " + udp.name());
        }
        udpListeners.add(udp);
        continue;
      }
      ListenerConfig config =
          ListenerConfig.from(protos.get(i), path, RouteConfigSource.NONE, runtime);
      if (!names.add(config.name())) {
        throw new ConfigException(path + ".name", "duplicate listener name " + config.name());
      }
      for (FilterChainConfig chain : config.allChains()) {
        checkSecretReferences(
            chain.tls().map(DownstreamTlsConfig::common),
            staticSecrets,
            chain.path() + ".transport_socket.typed_config.common_tls_context");
        // Builds the loggers once against throw-away stats to surface format errors now.
        AccessLoggers.fromProtos(
                chain.hcm().isPresent()
                    ? chain.hcm().get().proto().getAccessLogList()
                    : chain.tcpProxy().orElseThrow().accessLog(),
                chain.accessLogPath(),
                new StatsStore())
            .close();
      }
      listeners.add(config);
    }
    checkGrpcCollectorClusters(listeners, clusterProtos);
    warnUnreadRuntimeKeys(runtime.snapshot(), listeners, warnings);
    Optional<XdsClientConfig> xds =
        bootstrap.hasDynamicResources()
            ? Optional.of(XdsClientConfig.from(bootstrap, ""))
            : Optional.empty();
    return new Validated(
        runtime,
        listeners,
        udpListeners,
        AdminConfig.fromBootstrap(bootstrap),
        xds,
        StatsFlushConfig.from(bootstrap),
        bootstrap.hasOverloadManager()
            ? Optional.of(
                OverloadManagerConfig.from(bootstrap.getOverloadManager(), "overload_manager"))
            : Optional.empty(),
        warnings);
  }

  /**
   * An OTLP/gRPC exporter needs HTTP/2 to its collector: a static collector cluster that speaks
   * only HTTP/1.1 is refused now rather than failing every export later. (A cluster that arrives
   * over CDS is used as it comes.)
   */
  private static void checkGrpcCollectorClusters(
      List<ListenerConfig> listeners, List<Cluster> clusterProtos) throws ConfigException {
    Map<String, Integer> clusterIndex = new HashMap<>();
    for (int i = 0; i < clusterProtos.size(); i++) {
      clusterIndex.putIfAbsent(clusterProtos.get(i).getName(), i);
    }
    for (ListenerConfig listener : listeners) {
      for (FilterChainConfig chain : listener.allChains()) {
        Optional<TracingConfig> tracing = chain.hcm().flatMap(HttpConnectionManagerConfig::tracing);
        if (tracing.isEmpty()) {
          continue;
        }
        Optional<OtlpExporterConfig> exporter = tracing.get().exporter();
        if (exporter.isPresent() && exporter.get().protocol() == OtlpExporterConfig.Protocol.GRPC) {
          checkSpeaksHttp2(
              "OTLP/gRPC",
              exporter.get().clusterName(),
              exporter.get().clusterFieldPath(),
              clusterIndex,
              clusterProtos);
        }
        if (tracing.get().skyWalking().isPresent()) {
          SkyWalkingTracerConfig skyWalking = tracing.get().skyWalking().get();
          checkSpeaksHttp2(
              "SkyWalking OAP",
              skyWalking.clusterName(),
              skyWalking.clusterFieldPath(),
              clusterIndex,
              clusterProtos);
        }
      }
    }
  }

  private static void checkSpeaksHttp2(
      String collector,
      String clusterName,
      String clusterFieldPath,
      Map<String, Integer> clusterIndex,
      List<Cluster> clusterProtos)
      throws ConfigException {
    Integer index = clusterIndex.get(clusterName);
    if (index == null) {
      return;
    }
    ClusterDefinition.UpstreamProtocol protocol =
        ClusterDefinition.from(clusterProtos.get(index), "static_resources.clusters[" + index + "]")
            .http()
            .protocol();
    if (protocol == ClusterDefinition.UpstreamProtocol.HTTP1) {
      throw new ConfigException(
          clusterFieldPath,
          "the "
              + collector
              + " collector cluster "
              + clusterName
              + " speaks HTTP/1.1; give it http2_protocol_options (gRPC needs HTTP/2)");
    }
  }

  /**
   * Envoy reads many runtime keys of its own (listener connection limits, fault percentages, ...);
   * Attaché reads only those its route tables name, so a key no static route reads is said aloud
   * rather than silently dropped. Routes that arrive over RDS may still read it.
   */
  private static void warnUnreadRuntimeKeys(
      RuntimeSnapshot runtime, List<ListenerConfig> listeners, List<String> warnings) {
    Set<String> read = new HashSet<>();
    for (ListenerConfig listener : listeners) {
      for (FilterChainConfig chain : listener.allChains()) {
        chain.hcm().ifPresent(hcm -> read.addAll(hcm.routes().runtimeKeys()));
      }
    }
    runtime.keys().stream()
        .filter(key -> !read.contains(key))
        .sorted()
        .forEach(
            key ->
                warnings.add(
                    "layered_runtime: ignored: runtime key '"
                        + key
                        + "' is read by no static route's runtime_fraction (route match and"
                        + " request mirror fractions are the only runtime keys Attaché reads)"));
  }

  /**
   * A static resource may name only bootstrap secrets: SDS is wired for resources that arrive over
   * ADS, whose warming waits for their secrets.
   */
  private static void checkSecretReferences(
      Optional<CommonTlsConfig> common, SecretStore staticSecrets, String path)
      throws ConfigException {
    if (common.isEmpty()) {
      return;
    }
    if (!common.get().sdsSecrets().isEmpty()) {
      throw new ConfigException(
          path,
          "SDS secret '"
              + common.get().sdsSecrets().get(0).name()
              + "' on a static resource is not supported; put it in static_resources.secrets or"
              + " deliver the resource over ADS");
    }
    for (SecretSource.Named<?> named : common.get().staticSecrets()) {
      if (named.resolve(staticSecrets).isEmpty()) {
        throw new ConfigException(
            path,
            "names secret '"
                + named.name()
                + "', which static_resources.secrets does not hold (as a "
                + (named.kind() == TlsSecret.CertificateKeyPair.class
                    ? "tls_certificate"
                    : "validation_context")
                + ")");
      }
    }
  }

  private void bind() throws InterruptedException {
    for (HttpListener l : listeners) {
      l.bind(acceptors, workers).sync();
      log.info(
          "listener {} serving on {} ({} filter chain(s), transport {})",
          l.config().name(),
          l.boundAddress(),
          l.config().allChains().size(),
          Transports.nativeEpoll() ? "epoll" : "nio");
    }
    for (UdpListener l : udpListeners) {
      l.bind(workers).sync();
      log.info(
          "UDP listener {} serving on {} (udp_proxy {})",
          l.config().name(),
          l.boundAddress(),
          l.config().udpProxy().statPrefix());
    }
    adminAddress = admin.start();
    log.info(
        "admin endpoint on http://{}:{}/", adminAddress.getHostString(), adminAddress.getPort());
    if (options.adminAddressPath().isPresent()) {
      writeAdminAddress(options.adminAddressPath().get());
    }
    listenerStats.workersStarted.set(1);
    if (xds.isEmpty()) {
      serverStats.initialized();
    }
    if (!statsFlush.onAdmin()) {
      long every = statsFlush.interval().toMillis();
      timers.scheduleWithFixedDelay(this::flushStats, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** Envoy's {@code --admin-address-path}: the bound admin address as {@code ip:port}. */
  private void writeAdminAddress(java.nio.file.Path path) {
    try {
      java.nio.file.Files.writeString(
          path, adminAddress.getAddress().getHostAddress() + ":" + adminAddress.getPort());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write --admin-address-path " + path, e);
    }
  }

  /** Counts the bootstrap fields dropped under {@code --allow-unknown-static-fields}. */
  public void countUnknownStaticFields(long count) {
    stats.counter("server.static_unknown_fields").add(count);
  }

  /**
   * Envoy's stats flush: server and manager gauges brought up to date, and every histogram's
   * interval closed. On the timer thread, or the admin thread with {@code stats_flush_on_admin}.
   */
  private synchronized void flushStats() {
    serverStats.refresh();
    ads.ifPresent(
        client -> {
          XdsConfigDump dump = client.configDump();
          clusters.warmingClusters(dump.clusters().getDynamicWarmingClustersCount());
          // A listener held until its routes or secrets arrive is warming, as in Envoy; the one
          // it replaces keeps serving meanwhile.
          listenerStats.totalListenersWarming.set(
              dump.listeners().getDynamicListenersList().stream()
                  .filter(ListenersConfigDump.DynamicListener::hasWarmingState)
                  .count());
        });
    stats.flushHistograms();
  }

  private ServerInfo.State serverState() {
    return HealthCheckState.serverState(
        xds.isEmpty() || firstSnapshotApplied
            ? ServerInitState.INITIALIZED
            : ServerInitState.INITIALIZING,
        healthCheck.status());
  }

  /** Every listener a {@code use_original_dst} listener may hand a connection to. */
  private List<HttpListener> servingListeners() {
    List<HttpListener> all = new ArrayList<>(listeners);
    dynamicListeners.values().forEach(l -> all.add(l.listener));
    return all;
  }

  /** Open downstream connections over every listener, static and from LDS. */
  private long openConnections() {
    long n = 0;
    for (HttpListener l : listeners) {
      n += l.openConnections();
    }
    for (HttpListener l : everyDynamicListener) {
      n += l.openConnections();
    }
    return n;
  }

  /** Opens the ADS stream when the bootstrap has {@code dynamic_resources}; returns at once. */
  private void startAds() {
    if (xds.isEmpty()) {
      return;
    }
    AdsClient client =
        new AdsClient(
            xds.get(),
            this::apply,
            stats,
            new ExecutorScheduler(timers),
            options.time().random(),
            options.time().clock(),
            options.xdsTransport(),
            options.unknownDynamicFields());
    ads = Optional.of(client);
    client.start();
    log.info("mesh mode: ADS to {} at {}", xds.get().adsClusterName(), xds.get().servers());
  }

  /**
   * The bound address of each listener by name, static ones first, then those from LDS (ports
   * resolved when the config said 0).
   */
  public Map<String, InetSocketAddress> listenerAddresses() {
    Map<String, InetSocketAddress> out = new LinkedHashMap<>();
    for (HttpListener l : listeners) {
      out.put(l.config().name(), l.boundAddress());
    }
    for (UdpListener l : udpListeners) {
      out.put(l.config().name(), l.boundAddress());
    }
    new java.util.TreeMap<>(dynamicListeners)
        .forEach((name, l) -> out.put(name, l.listener.boundAddress()));
    return out;
  }

  // ---- mesh mode: applying ADS snapshots ----------------------------------------------------

  /** What a running dynamic listener was built from; equal keys mean nothing to rebuild. */
  private record ListenerKey(Listener proto, List<RouteConfiguration> routeConfigs) {}

  /** A listener from LDS: its socket and the context new streams take. */
  private static final class DynamicListener {
    final HttpListener listener;
    final AtomicReference<OwnedContext> context;
    final ListenerKey key;

    DynamicListener(HttpListener listener, AtomicReference<OwnedContext> context, ListenerKey key) {
      this.listener = listener;
      this.context = context;
      this.key = key;
    }
  }

  /** One listener of a snapshot, built but not yet serving. */
  private record PreparedListener(
      ListenerConfig config,
      DynamicListener next,
      Optional<DynamicListener> previous,
      PreparedListener.Change change) {
    String name() {
      return config.name();
    }

    enum Change {
      UNCHANGED,
      /** Same socket; new streams take the new context. */
      NEW_CONTEXT,
      /** A new socket: a new listener, or one whose address changed. */
      NEW_SOCKET
    }
  }

  /**
   * Applies one ADS snapshot: builds and validates every changed cluster and listener, binds new
   * sockets, and only then swaps. Any failure undoes what was built and rejects the snapshot.
   */
  private ApplyResult apply(XdsSnapshot snapshot) {
    synchronized (configLock) {
      if (stopping) {
        return ApplyResult.rejected("the proxy is shutting down");
      }
      // SDS secrets go first: new clusters and listeners build their TLS contexts from the store,
      // and running ones swap to the new material for new handshakes (Envoy applies secrets
      // independently of the resources naming them, too).
      try {
        Map<String, TlsSecret> dynamicSecrets = new java.util.HashMap<>();
        for (Versioned<io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> v :
            snapshot.secrets().values()) {
          dynamicSecrets.put(
              v.resource().getName(),
              TlsSecret.from(v.resource(), "secrets[\"" + v.resource().getName() + "\"]"));
        }
        secrets.replaceDynamic(dynamicSecrets);
      } catch (ConfigException e) {
        return ApplyResult.rejected(e.getMessage());
      }
      ClusterRuntime.Plan plan;
      try {
        plan = clusters.prepare(snapshot);
      } catch (ConfigException e) {
        return rejection(e);
      }
      List<PreparedListener> prepared = new ArrayList<>();
      try {
        for (Versioned<Listener> versioned : snapshot.listeners().values()) {
          prepared.add(prepareListener(versioned.resource(), snapshot));
        }
        for (PreparedListener p : prepared) {
          if (p.change() == PreparedListener.Change.NEW_SOCKET) {
            p.next().listener.bind(acceptors, workers).sync();
          }
        }
      } catch (ConfigException | RuntimeException | InterruptedException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        for (PreparedListener p : prepared) {
          abandon(p);
        }
        plan.abandon();
        return e instanceof ConfigException ce
            ? rejection(ce)
            : ApplyResult.rejected("cannot apply: " + e);
      }
      clusters.commit(plan, options.drainTime());
      Set<String> kept = new HashSet<>();
      for (PreparedListener p : prepared) {
        kept.add(p.name());
        switch (p.change()) {
          case UNCHANGED -> {}
          case NEW_CONTEXT -> {
            DynamicListener running = p.previous().orElseThrow();
            running.listener.reconfigure(p.config());
            OwnedContext old = running.context.getAndSet(p.next().context.get());
            dynamicListeners.put(
                p.name(), new DynamicListener(running.listener, running.context, p.next().key));
            Listener before = running.key.proto();
            Listener after = p.next().key.proto();
            if (!before.equals(after)) {
              listenerStats.listenerModified.inc(); // a route config change alone is RDS's
              if (filterChainsOnlyChanged(before, after)) {
                listenerStats.listenerInPlaceUpdated.inc();
              }
            }
            retireContext(old);
          }
          case NEW_SOCKET -> {
            dynamicListeners.put(p.name(), p.next());
            everyDynamicListener.add(p.next().listener);
            if (p.previous().isPresent()) {
              listenerStats.listenerModified.inc();
              retireListener(p.previous().get());
            } else {
              listenerStats.listenerAdded.inc();
            }
            listenerStats.listenerCreateSuccess.add(options.concurrency());
            log.info("listener {} (LDS) serving on {}", p.name(), p.next().listener.boundAddress());
          }
        }
      }
      for (String name : new ArrayList<>(dynamicListeners.keySet())) {
        if (!kept.contains(name)) {
          retireListener(dynamicListeners.remove(name));
          listenerStats.listenerRemoved.inc();
          log.info("listener {} removed by LDS; draining", name);
        }
      }
      listenerStats.totalListenersActive.set(listeners.size() + dynamicListeners.size());
      if (!firstSnapshotApplied) {
        firstSnapshotApplied = true;
        serverStats.initialized();
      }
      return ApplyResult.accepted();
    }
  }

  private static final java.util.regex.Pattern RESOURCE_PATH =
      java.util.regex.Pattern.compile("^(clusters|listeners)\\[\"([^\"]*)\"\\]");

  /** A NACK that names the cluster or listener its field path starts with. */
  private static ApplyResult rejection(ConfigException e) {
    java.util.regex.Matcher m = RESOURCE_PATH.matcher(e.fieldPath());
    if (!m.find()) {
      return ApplyResult.rejected(e.getMessage());
    }
    XdsResourceType type =
        m.group(1).equals("clusters") ? XdsResourceType.CLUSTER : XdsResourceType.LISTENER;
    return ApplyResult.rejected(e.getMessage(), type, m.group(2));
  }

  private PreparedListener prepareListener(Listener proto, XdsSnapshot snapshot)
      throws ConfigException {
    String path = "listeners[\"" + proto.getName() + "\"]";
    for (HttpListener l : listeners) {
      if (l.config().name().equals(proto.getName())) {
        throw new ConfigException(
            path + ".name", "a static listener is already named '" + proto.getName() + "'");
      }
    }
    List<RouteConfiguration> used = new ArrayList<>();
    RouteConfigSource routes =
        name -> {
          Optional<RouteConfiguration> found =
              Optional.ofNullable(snapshot.routeConfigs().get(name)).map(Versioned::resource);
          found.ifPresent(used::add);
          return found;
        };
    ListenerConfig config = ListenerConfig.from(proto, path, routes, runtime);
    ListenerKey key = new ListenerKey(proto, List.copyOf(used));
    Optional<DynamicListener> previous = Optional.ofNullable(dynamicListeners.get(config.name()));
    if (previous.isPresent() && previous.get().key.equals(key)) {
      return new PreparedListener(
          config, previous.get(), previous, PreparedListener.Change.UNCHANGED);
    }
    OwnedContext context = newContext(config, new ActiveStreams());
    AtomicReference<OwnedContext> current = new AtomicReference<>(context);
    boolean sameSocket =
        previous.isPresent()
            && previous.get().listener.config().address().equals(config.address())
            && previous.get().listener.config().bindToPort() == config.bindToPort()
            && previous.get().listener.config().transparent() == config.transparent();
    return new PreparedListener(
        config,
        new DynamicListener(
            sameSocket
                ? previous.get().listener
                : new HttpListener(
                    config,
                    () -> current.get().runtime(),
                    listenerStats(config),
                    handOffTargets,
                    globalConnections()),
            current,
            key),
        previous,
        sameSocket ? PreparedListener.Change.NEW_CONTEXT : PreparedListener.Change.NEW_SOCKET);
  }

  /**
   * Envoy's test for an in-place filter-chain update ({@code listener_in_place_updated}): the two
   * listeners differ only in {@code filter_chains}, {@code default_filter_chain} and {@code
   * filter_chain_matcher}. Any other change is a whole-listener update, counted only as modified.
   */
  static boolean filterChainsOnlyChanged(Listener before, Listener after) {
    return withoutFilterChains(before).equals(withoutFilterChains(after));
  }

  private static Listener withoutFilterChains(Listener listener) {
    return listener.toBuilder()
        .clearFilterChains()
        .clearDefaultFilterChain()
        .clearFilterChainMatcher()
        .build();
  }

  /** Undoes a prepared listener that will not serve: its socket and its context. */
  private void abandon(PreparedListener p) {
    if (p.change() == PreparedListener.Change.UNCHANGED) {
      return;
    }
    if (p.change() == PreparedListener.Change.NEW_SOCKET && p.next().listener.isBound()) {
      p.next().listener.stopAccepting();
    }
    OwnedContext context = p.next().context.get();
    if (contexts.remove(context)) {
      context.close(); // no stream ever took it
    }
  }

  /**
   * A context no new stream takes. Streams that read it just before the swap start on their event
   * loop in the same task, so once every worker loop has run a task queued after the swap, the
   * count of its streams is complete. The last stream finishes its span before it writes its
   * access-log line, in the same event-loop task: so the release also waits for one more pass of
   * every loop, then closes the files and the exporter on the timer thread.
   */
  private void retireContext(OwnedContext context) {
    listenerStats.totalFilterChainsDraining.inc();
    afterEveryWorkerLoop(
        () ->
            context
                .streams()
                .retire(
                    () ->
                        afterEveryWorkerLoop(
                            () -> {
                              try {
                                timers.execute(() -> release(context));
                              } catch (java.util.concurrent.RejectedExecutionException stopping) {
                                // releaseAll closes every context anyway
                              }
                            })));
  }

  private void release(OwnedContext context) {
    if (contexts.remove(context)) {
      listenerStats.totalFilterChainsDraining.dec();
      context.close();
    }
  }

  private void afterEveryWorkerLoop(Runnable task) {
    List<io.netty.util.concurrent.EventExecutor> loops = new ArrayList<>();
    workers.forEach(loops::add);
    java.util.concurrent.atomic.AtomicInteger left =
        new java.util.concurrent.atomic.AtomicInteger(loops.size());
    for (io.netty.util.concurrent.EventExecutor loop : loops) {
      try {
        loop.execute(
            () -> {
              if (left.decrementAndGet() == 0) {
                task.run();
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        return; // releaseAll closes every context anyway
      }
    }
  }

  /**
   * A removed or re-addressed listener: stop accepting now; its open connections keep their context
   * until the drain time is over, then they are closed and the context retires.
   */
  private void retireListener(DynamicListener listener) {
    listener.listener.stopAccepting();
    listenerStats.totalListenersDraining.inc();
    afterDrainTime(
        () -> {
          listener.listener.closeConnections();
          everyDynamicListener.remove(listener.listener);
          listenerStats.totalListenersDraining.dec();
          retireContext(listener.context.get());
        });
  }

  private void afterDrainTime(Runnable task) {
    try {
      timers.schedule(task, options.drainTime().toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopping: releaseAll closes everything anyway
    }
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
    ads.ifPresent(AdsClient::close);
    healthCheck.fail();
    for (HttpListener l : listeners) {
      l.stopAccepting().syncUninterruptibly();
    }
    synchronized (configLock) {
      dynamicListeners.values().forEach(l -> l.listener.stopAccepting().syncUninterruptibly());
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
    // Contexts of one stat prefix share their gauges: count each prefix once.
    java.util.Set<String> prefixes = new HashSet<>();
    for (OwnedContext c : contexts) {
      for (ListenerContext http : c.runtime().httpContexts()) {
        if (prefixes.add(http.hcm().statPrefix())) {
          n += http.stats().downstreamRqActive.value();
        }
      }
    }
    return n;
  }

  private void releaseAll() {
    ads.ifPresent(AdsClient::close);
    overload.ifPresent(OverloadManager::close);
    for (HttpListener l : listeners) {
      l.closeConnections();
    }
    everyDynamicListener.forEach(HttpListener::closeConnections);
    for (UdpListener l : udpListeners) {
      l.close().syncUninterruptibly();
    }
    admin.close();
    timers.shutdownNow();
    clusters.close();
    for (OwnedContext c : contexts) {
      if (contexts.remove(c)) { // a drain timer may be releasing it right now
        c.close();
      }
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
