package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.breaker.ClusterResourceManagers;
import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.outlier.HostMonitor;
import io.attache.dataplane.outlier.OutlierDetector;
import io.attache.dataplane.outlier.OutlierResult;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.Http1HostPool;
import io.attache.dataplane.pool.Http2HostPool;
import io.attache.dataplane.pool.PoolListener;
import io.attache.dataplane.pool.PoolSettings;
import io.attache.dataplane.pool.TcpHostPool;
import io.attache.dataplane.pool.UpstreamProtocol;
import io.attache.dataplane.pool.UpstreamTransport;
import io.attache.dataplane.retry.ClusterRetryContext;
import io.attache.dataplane.retry.RetryStats;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.attache.dataplane.upstream.ClusterStats;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Joins one {@link UpstreamCluster} (hosts, load balancer, stats) to the data path: picks hosts,
 * keeps per event loop the connection pools to them, and counts what streams report. Picks are
 * lock-free; each pool map is only touched by its own event loop.
 */
final class RunningCluster implements ClusterHandle {
  private final UpstreamCluster cluster;
  private final ClusterStats stats;
  private final PoolSettings poolSettings;
  private final boolean useDownstreamProtocol;
  private final TcpUpstream tcpUpstream;
  private final ClusterResourceManagers breakers;
  private final OutlierDetector outlier;
  private final BreakerGate gate;
  private final ClusterRetryContext defaultRetry;
  private final ClusterRetryContext highRetry;
  private final Map<EventLoop, Map<PoolKey, HostConnectionPool>> pools = new ConcurrentHashMap<>();

  RunningCluster(
      UpstreamCluster cluster,
      StatsStore store,
      RandomSource random,
      Clock wallClock,
      OutlierDetector outlier,
      BreakerGate gate,
      UpstreamTransport transport) {
    this.cluster = cluster;
    this.outlier = outlier;
    this.gate = gate;
    this.stats = cluster.stats();
    this.breakers =
        ClusterResourceManagers.create(
            cluster.name(), cluster.definition().circuitBreakers(), store);
    RetryStats retryStats = new RetryStats(store, cluster.name());
    this.defaultRetry =
        new ClusterRetryContext(
            breakers.forPriority(RoutingPriority.DEFAULT), retryStats, random, wallClock);
    this.highRetry =
        new ClusterRetryContext(
            breakers.forPriority(RoutingPriority.HIGH), retryStats, random, wallClock);
    ClusterDefinition definition = cluster.definition();
    ClusterDefinition.HttpSettings http = definition.http();
    this.poolSettings =
        new PoolSettings(
            http.protocol() == ClusterDefinition.UpstreamProtocol.HTTP2
                ? UpstreamProtocol.HTTP2
                : UpstreamProtocol.HTTP1,
            definition.connectTimeout(),
            http.idleTimeout(),
            http.maxRequestsPerConnection().orElse(0),
            Integer.MAX_VALUE,
            transport,
            http.headerKeyFormat());
    this.useDownstreamProtocol =
        http.protocol() == ClusterDefinition.UpstreamProtocol.USE_DOWNSTREAM;
    this.tcpUpstream =
        new TcpUpstream(
            definition.connectTimeout(),
            stats,
            transport,
            http.protocol() == ClusterDefinition.UpstreamProtocol.HTTP2);
    cluster.addMembershipListener(this::dropPoolsOfRemovedHosts);
  }

  /**
   * A host that left the cluster (EDS, or an ORIGINAL_DST host swept by {@code cleanup_interval})
   * loses its pools on every loop, as Envoy drains and deletes them: idle connections close now,
   * busy ones when their exchange ends. Runs under the cluster's lock, so it only queues the work.
   */
  private void dropPoolsOfRemovedHosts(List<Host> added, List<Host> removed) {
    java.util.Set<InetSocketAddress> gone = new java.util.HashSet<>();
    removed.forEach(h -> gone.add(h.address()));
    added.forEach(h -> gone.remove(h.address())); // the same address re-announced keeps its pools
    if (gone.isEmpty()) {
      return;
    }
    for (Map.Entry<EventLoop, Map<PoolKey, HostConnectionPool>> e : pools.entrySet()) {
      if (!e.getKey().isShuttingDown()) {
        e.getKey()
            .execute(
                () ->
                    e.getValue()
                        .entrySet()
                        .removeIf(
                            pool -> {
                              if (!gone.contains(pool.getKey().address())) {
                                return false;
                              }
                              pool.getValue().drain();
                              return true;
                            }));
      }
    }
  }

  /** Pools are per host and, for USE_DOWNSTREAM_PROTOCOL clusters, per protocol. */
  private record PoolKey(InetSocketAddress address, UpstreamProtocol protocol) {}

  @Override
  public String name() {
    return cluster.name();
  }

  @Override
  public SelectedHost chooseHost(LbContext context) {
    return cluster.loadBalancer().chooseHost(context).map(ChosenHost::new).orElse(null);
  }

  @Override
  public void noHealthyUpstream() {
    stats.upstreamCxNoneHealthy().inc();
  }

  @Override
  public TcpUpstream tcpUpstream() {
    return tcpUpstream;
  }

  @Override
  public BreakerGate gate() {
    return gate;
  }

  @Override
  public ResourceManager breakers(RoutingPriority priority) {
    return breakers.forPriority(priority);
  }

  @Override
  public ClusterRetryContext retryContext(RoutingPriority priority) {
    return priority == RoutingPriority.HIGH ? highRetry : defaultRetry;
  }

  @Override
  public HostConnectionPool pool(EventLoop loop, SelectedHost selected, boolean downstreamHttp2) {
    Host host = ((ChosenHost) selected).host;
    UpstreamProtocol protocol =
        useDownstreamProtocol
            ? (downstreamHttp2 ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1)
            : poolSettings.protocol();
    Map<PoolKey, HostConnectionPool> byHost = pools.computeIfAbsent(loop, l -> new HashMap<>());
    return byHost.computeIfAbsent(
        new PoolKey(host.address(), protocol), key -> newPool(loop, host, protocol));
  }

  @Override
  public HostConnectionPool tcpPool(EventLoop loop, SelectedHost selected) {
    Host host = ((ChosenHost) selected).host;
    Map<PoolKey, HostConnectionPool> byHost = pools.computeIfAbsent(loop, l -> new HashMap<>());
    return byHost.computeIfAbsent(
        new PoolKey(host.address(), UpstreamProtocol.TCP),
        key -> newPool(loop, host, UpstreamProtocol.TCP));
  }

  private HostConnectionPool newPool(EventLoop loop, Host host, UpstreamProtocol protocol) {
    HostStats hostStats = host.stats();
    ResourceManager limits = breakers.forPriority(RoutingPriority.DEFAULT);
    PoolListener listener =
        new PoolListener() {
          @Override
          public boolean mayOpenConnection(boolean poolIsEmpty) {
            return limits.tryAcquireConnection(hostStats.cxActive(), poolIsEmpty)
                == OverflowDecision.ADMITTED;
          }

          @Override
          public void connectionOpened(UpstreamProtocol protocol) {
            stats.upstreamCxTotal().inc();
            stats.upstreamCxActive().inc();
            switch (protocol) {
              case HTTP1 -> stats.upstreamCxHttp1Total().inc();
              case HTTP2 -> stats.upstreamCxHttp2Total().inc();
              case TCP -> {} // Envoy's TCP pool counts no protocol
            }
            hostStats.onConnectionOpened();
          }

          @Override
          public void connectFailed(boolean timedOut) {
            limits.connections().release();
            stats.upstreamCxConnectFail().inc();
            if (timedOut) {
              stats.upstreamCxConnectTimeout().inc();
            }
            hostStats.onConnectFailure();
          }

          @Override
          public void connectTime(long millis) {
            stats.upstreamCxConnectMs().record(millis);
          }

          @Override
          public void connectionLength(long millis) {
            stats.upstreamCxLengthMs().record(millis);
          }

          @Override
          public void bytesSent(long bytes) {
            stats.upstreamCxTxBytesTotal().add(bytes);
          }

          @Override
          public void bytesReceived(long bytes) {
            stats.upstreamCxRxBytesTotal().add(bytes);
          }

          @Override
          public void connectionClosed(boolean localClose) {
            limits.connections().release();
            stats.upstreamCxActive().dec();
            stats.upstreamCxDestroy().inc();
            (localClose ? stats.upstreamCxDestroyLocal() : stats.upstreamCxDestroyRemote()).inc();
            hostStats.onConnectionClosed();
          }
        };
    return switch (protocol) {
      case HTTP2 -> new Http2HostPool(loop, host.address(), poolSettings, listener);
      case HTTP1 -> new Http1HostPool(loop, host.address(), poolSettings, listener);
      case TCP -> new TcpHostPool(loop, host.address(), poolSettings, listener);
    };
  }

  @Override
  public void requestStarted(SelectedHost selected) {
    stats.upstreamRqTotal().inc();
    stats.upstreamRqActive().inc();
    ((ChosenHost) selected).host.stats().onRequestStarted();
  }

  @Override
  public void requestPending() {
    stats.upstreamRqPendingTotal().inc();
  }

  @Override
  public void chargeResponse(int status, boolean internalRequest) {
    stats.chargeResponse(status, internalRequest);
  }

  @Override
  public void chargeRetriedResponse(int status) {
    stats.chargeRetriedResponse(status);
  }

  @Override
  public void responseReceived(SelectedHost selected, int status) {
    ChosenHost chosen = (ChosenHost) selected;
    chosen.lastStatus = status;
    HostMonitor monitor = outlier.monitor(chosen.host);
    monitor.putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_SUCCESS);
    monitor.putHttpResponseCode(status);
  }

  @Override
  public void responseTime(long millis) {
    stats.upstreamRqTime().record(millis);
  }

  @Override
  public void requestEnded(SelectedHost selected, UpstreamOutcome outcome) {
    stats.upstreamRqActive().dec();
    ChosenHost chosen = (ChosenHost) selected;
    HostStats.RequestOutcome hostOutcome =
        switch (outcome) {
          case COMPLETED ->
              chosen.lastStatus >= 500
                  ? HostStats.RequestOutcome.ERROR
                  : HostStats.RequestOutcome.SUCCESS;
          case TIMEOUT -> {
            stats.upstreamRqTimeout().inc();
            yield HostStats.RequestOutcome.TIMEOUT;
          }
          case PER_TRY_TIMEOUT -> {
            stats.upstreamRqPerTryTimeout().inc();
            yield HostStats.RequestOutcome.TIMEOUT;
          }
          case PER_TRY_IDLE_TIMEOUT -> {
            stats.upstreamRqPerTryIdleTimeout().inc();
            yield HostStats.RequestOutcome.TIMEOUT;
          }
          case UPSTREAM_RESET -> {
            stats.upstreamRqRxReset().inc();
            yield HostStats.RequestOutcome.ERROR;
          }
          case LOCAL_RESET -> {
            stats.upstreamRqTxReset().inc();
            yield HostStats.RequestOutcome.ERROR;
          }
          case CONNECT_FAILURE -> HostStats.RequestOutcome.ERROR;
          // A retry or a client reset cancels the attempt after its response headers, if any:
          // like Envoy, charge the host by the status it answered.
          case CANCELLED ->
              chosen.lastStatus == 0
                  ? HostStats.RequestOutcome.NOT_ANSWERED
                  : chosen.lastStatus >= 500
                      ? HostStats.RequestOutcome.ERROR
                      : HostStats.RequestOutcome.SUCCESS;
        };
    chosen.host.stats().onRequestFinished(hostOutcome);
    switch (outcome) {
      case CONNECT_FAILURE ->
          outlier.monitor(chosen.host).putResult(OutlierResult.LOCAL_ORIGIN_CONNECT_FAILED);
      case TIMEOUT, PER_TRY_TIMEOUT, PER_TRY_IDLE_TIMEOUT ->
          outlier.monitor(chosen.host).putResult(OutlierResult.LOCAL_ORIGIN_TIMEOUT);
      case UPSTREAM_RESET ->
          outlier.monitor(chosen.host).putResult(OutlierResult.EXT_ORIGIN_REQUEST_FAILED);
      default -> {}
    }
  }

  /** Closes idle pooled connections on every loop (each on its own loop). */
  void drainPools() {
    for (Map.Entry<EventLoop, Map<PoolKey, HostConnectionPool>> e : pools.entrySet()) {
      if (!e.getKey().isShuttingDown()) {
        e.getKey().execute(() -> e.getValue().values().forEach(HostConnectionPool::drain));
      }
    }
  }

  /**
   * The {@code /clusters} view of this cluster.
   *
   * @param addedViaApi whether it arrived over CDS
   */
  ClustersView.Cluster view(boolean addedViaApi) {
    List<ClustersView.Thresholds> thresholds = new ArrayList<>();
    CircuitBreakerSettings cb = cluster.definition().circuitBreakers();
    for (RoutingPriority p : List.of(RoutingPriority.DEFAULT, RoutingPriority.HIGH)) {
      CircuitBreakerSettings.Thresholds t = cb.thresholds(p);
      thresholds.add(
          new ClustersView.Thresholds(
              p == RoutingPriority.HIGH
                  ? ClustersView.Priority.HIGH
                  : ClustersView.Priority.DEFAULT,
              t.maxConnections(),
              t.maxPendingRequests(),
              t.maxRequests(),
              t.maxRetries()));
    }
    List<ClustersView.Host> hostViews = new ArrayList<>();
    for (Host h : cluster.prioritySet().allHosts()) {
      Map<String, Long> counters = new TreeMap<>();
      Map<String, Long> gauges = new TreeMap<>();
      h.stats().snapshot().forEach((k, v) -> (k.endsWith("_active") ? gauges : counters).put(k, v));
      hostViews.add(
          new ClustersView.Host(
              h.address().getAddress().getHostAddress(),
              h.address().getPort(),
              h.hostname(),
              h.weight(),
              h.priority(),
              new ClustersView.Locality(
                  h.locality().region(), h.locality().zone(), h.locality().subZone()),
              h.allHealthFlags(),
              new TreeMap<>(counters),
              new TreeMap<>(gauges),
              -1,
              -1));
    }
    return new ClustersView.Cluster(cluster.name(), addedViaApi, thresholds, hostViews);
  }

  /** A host picked for one request; remembers the response status for the host's stats. */
  private static final class ChosenHost implements SelectedHost {
    final Host host;
    int lastStatus;

    ChosenHost(Host host) {
      this.host = host;
    }

    @Override
    public InetSocketAddress address() {
      return host.address();
    }

    @Override
    public Host host() {
      return host;
    }

    @Override
    public String hostname() {
      return host.hostname().isEmpty() ? host.address().getHostString() : host.hostname();
    }
  }
}
