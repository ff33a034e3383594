package io.attache.dataplane.server;

import io.attache.dataplane.admin.ClustersView;
import io.attache.dataplane.admin.HostHealthFlag;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.Http1HostPool;
import io.attache.dataplane.pool.Http2HostPool;
import io.attache.dataplane.pool.PoolListener;
import io.attache.dataplane.pool.PoolSettings;
import io.attache.dataplane.pool.UpstreamProtocol;
import io.attache.dataplane.proxy.UpstreamCluster;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.attache.dataplane.upstream.Host;
import io.attache.dataplane.upstream.HostHealth;
import io.attache.dataplane.upstream.HostStats;
import io.attache.dataplane.upstream.lb.LbContext;
import io.attache.dataplane.upstream.lb.LoadBalancer;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One cluster as the data path uses it: its current hosts and load balancer (replaced atomically
 * when membership changes), its Envoy-named stats, and per event loop the connection pools to its
 * hosts. Shared by all event loops: picks are lock-free reads; pools are owned by one loop each.
 */
final class RunningCluster implements UpstreamCluster {
  private final ClusterDefinition definition;
  private final PoolSettings poolSettings;
  private volatile LoadBalancer loadBalancer = LoadBalancer.NO_HOSTS;
  private volatile List<Host> hosts = List.of();
  private final Map<EventLoop, Map<InetSocketAddress, HostConnectionPool>> pools =
      new ConcurrentHashMap<>();

  private final String prefix;
  private final StatsStore store;
  private final Counter cxTotal;
  private final Gauge cxActive;
  private final Counter cxHttp1Total;
  private final Counter cxHttp2Total;
  private final Counter cxConnectFail;
  private final Counter cxConnectTimeout;
  private final Counter cxDestroy;
  private final Counter cxDestroyLocal;
  private final Counter cxDestroyRemote;
  private final Counter rqTotal;
  private final Gauge rqActive;
  private final Counter rqCompleted;
  private final Counter rqTimeout;
  private final Counter rqRxReset;
  private final Counter rqTxReset;
  private final Counter[] rqByClass = new Counter[6];
  private final Map<Integer, Counter> rqByCode = new ConcurrentHashMap<>();
  final Gauge membershipTotal;
  final Gauge membershipHealthy;
  final Gauge membershipDegraded;

  RunningCluster(ClusterDefinition definition, StatsStore store) {
    this.definition = definition;
    this.store = store;
    ClusterDefinition.HttpSettings http = definition.http();
    this.poolSettings =
        new PoolSettings(
            http.protocol() == ClusterDefinition.UpstreamProtocol.HTTP2
                ? UpstreamProtocol.HTTP2
                : UpstreamProtocol.HTTP1,
            definition.connectTimeout(),
            http.idleTimeout(),
            http.maxRequestsPerConnection().orElse(0),
            Integer.MAX_VALUE);
    this.prefix = "cluster." + definition.name() + ".";
    cxTotal = store.counter(prefix + "upstream_cx_total");
    cxActive = store.gauge(prefix + "upstream_cx_active");
    cxHttp1Total = store.counter(prefix + "upstream_cx_http1_total");
    cxHttp2Total = store.counter(prefix + "upstream_cx_http2_total");
    cxConnectFail = store.counter(prefix + "upstream_cx_connect_fail");
    cxConnectTimeout = store.counter(prefix + "upstream_cx_connect_timeout");
    cxDestroy = store.counter(prefix + "upstream_cx_destroy");
    cxDestroyLocal = store.counter(prefix + "upstream_cx_destroy_local");
    cxDestroyRemote = store.counter(prefix + "upstream_cx_destroy_remote");
    rqTotal = store.counter(prefix + "upstream_rq_total");
    rqActive = store.gauge(prefix + "upstream_rq_active");
    rqCompleted = store.counter(prefix + "upstream_rq_completed");
    rqTimeout = store.counter(prefix + "upstream_rq_timeout");
    rqRxReset = store.counter(prefix + "upstream_rq_rx_reset");
    rqTxReset = store.counter(prefix + "upstream_rq_tx_reset");
    for (int c = 1; c <= 5; c++) {
      rqByClass[c] = store.counter(prefix + "upstream_rq_" + c + "xx");
    }
    membershipTotal = store.gauge(prefix + "membership_total");
    membershipHealthy = store.gauge(prefix + "membership_healthy");
    membershipDegraded = store.gauge(prefix + "membership_degraded");
  }

  ClusterDefinition definition() {
    return definition;
  }

  Counter healthyPanicCounter() {
    return store.counter(prefix + "lb_healthy_panic");
  }

  /** Installs a new host membership; picks after this see only the new hosts. */
  void updateHosts(List<Host> newHosts, LoadBalancer newBalancer) {
    hosts = List.copyOf(newHosts);
    loadBalancer = newBalancer;
    membershipTotal.set(newHosts.size());
    membershipHealthy.set(newHosts.stream().filter(h -> h.health() == HostHealth.HEALTHY).count());
    membershipDegraded.set(
        newHosts.stream().filter(h -> h.health() == HostHealth.DEGRADED).count());
  }

  @Override
  public String name() {
    return definition.name();
  }

  @Override
  public SelectedHost chooseHost(OptionalLong hash) {
    LbContext context = hash.isPresent() ? LbContext.withHash(hash.getAsLong()) : LbContext.NONE;
    return loadBalancer.chooseHost(context).map(ChosenHost::new).orElse(null);
  }

  @Override
  public HostConnectionPool pool(EventLoop loop, SelectedHost selected) {
    Host host = ((ChosenHost) selected).host;
    Map<InetSocketAddress, HostConnectionPool> byHost =
        pools.computeIfAbsent(loop, l -> new HashMap<>());
    return byHost.computeIfAbsent(host.address(), address -> newPool(loop, host));
  }

  private HostConnectionPool newPool(EventLoop loop, Host host) {
    HostStats hostStats = host.stats();
    PoolListener listener =
        new PoolListener() {
          @Override
          public void connectionOpened(UpstreamProtocol protocol) {
            cxTotal.inc();
            cxActive.inc();
            (protocol == UpstreamProtocol.HTTP2 ? cxHttp2Total : cxHttp1Total).inc();
            hostStats.onConnectionOpened();
          }

          @Override
          public void connectFailed(boolean timedOut) {
            cxConnectFail.inc();
            if (timedOut) {
              cxConnectTimeout.inc();
            }
            hostStats.onConnectFailure();
          }

          @Override
          public void connectionClosed(boolean localClose) {
            cxActive.dec();
            cxDestroy.inc();
            (localClose ? cxDestroyLocal : cxDestroyRemote).inc();
            hostStats.onConnectionClosed();
          }
        };
    return poolSettings.protocol() == UpstreamProtocol.HTTP2
        ? new Http2HostPool(loop, host.address(), poolSettings, listener)
        : new Http1HostPool(loop, host.address(), poolSettings, listener);
  }

  @Override
  public void requestStarted(SelectedHost selected) {
    rqTotal.inc();
    rqActive.inc();
    ((ChosenHost) selected).host.stats().onRequestStarted();
  }

  @Override
  public void responseReceived(SelectedHost selected, int status) {
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) {
      rqByClass[cls].inc();
    }
    rqByCode.computeIfAbsent(status, s -> store.counter(prefix + "upstream_rq_" + s)).inc();
    ((ChosenHost) selected).lastStatus = status;
  }

  @Override
  public void requestEnded(SelectedHost selected, UpstreamOutcome outcome) {
    rqActive.dec();
    ChosenHost chosen = (ChosenHost) selected;
    HostStats.RequestOutcome hostOutcome;
    switch (outcome) {
      case COMPLETED -> {
        rqCompleted.inc();
        hostOutcome =
            chosen.lastStatus >= 500
                ? HostStats.RequestOutcome.ERROR
                : HostStats.RequestOutcome.SUCCESS;
      }
      case TIMEOUT -> {
        rqTimeout.inc();
        hostOutcome = HostStats.RequestOutcome.TIMEOUT;
      }
      case UPSTREAM_RESET -> {
        rqRxReset.inc();
        hostOutcome = HostStats.RequestOutcome.ERROR;
      }
      case LOCAL_RESET -> {
        rqTxReset.inc();
        hostOutcome = HostStats.RequestOutcome.ERROR;
      }
      default -> hostOutcome = HostStats.RequestOutcome.ERROR;
    }
    chosen.host.stats().onRequestFinished(hostOutcome);
  }

  /** Closes idle pooled connections on every loop (each on its own loop). */
  void drainPools() {
    for (Map.Entry<EventLoop, Map<InetSocketAddress, HostConnectionPool>> e : pools.entrySet()) {
      e.getKey().execute(() -> e.getValue().values().forEach(HostConnectionPool::drain));
    }
  }

  /** The {@code /clusters} view of this cluster. */
  ClustersView.Cluster view() {
    List<ClustersView.Thresholds> thresholds = new ArrayList<>();
    CircuitBreakerSettings cb = definition.circuitBreakers();
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
    for (Host h : hosts) {
      Map<String, Long> counters = new TreeMap<>();
      Map<String, Long> gauges = new TreeMap<>();
      h.stats()
          .snapshot()
          .forEach(
              (k, v) -> {
                if (k.endsWith("_active")) {
                  gauges.put(k, v);
                } else {
                  counters.put(k, v);
                }
              });
      hostViews.add(
          new ClustersView.Host(
              h.address().getAddress().getHostAddress(),
              h.address().getPort(),
              h.hostname(),
              h.weight(),
              h.priority(),
              new ClustersView.Locality(
                  h.locality().region(), h.locality().zone(), h.locality().subZone()),
              switch (h.health()) {
                case HEALTHY -> Set.of();
                case DEGRADED -> Set.of(HostHealthFlag.DEGRADED_EDS_HEALTH);
                case UNHEALTHY -> Set.of(HostHealthFlag.FAILED_EDS_HEALTH);
              },
              new TreeMap<>(counters),
              new TreeMap<>(gauges),
              -1,
              -1));
    }
    return new ClustersView.Cluster(definition.name(), false, thresholds, hostViews);
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
    public String hostname() {
      return host.hostname().isEmpty() ? host.address().getHostString() : host.hostname();
    }
  }
}
