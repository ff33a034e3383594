package io.attache.dataplane.tcpproxy;

import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.UpstreamTransport;
import io.attache.dataplane.retry.ClusterRetryContext;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.ClusterStats;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster for tcp_proxy and udp_proxy tests: hosts picked round-robin, skipping the one the
 * load-balancer context says to avoid; records every host it handed out. HTTP methods are not for
 * tcp_proxy.
 */
public final class TcpTestCluster implements ClusterHandle {
  public final List<String> chosen = new ArrayList<>();
  private final String name;
  private final List<Host> hosts = new ArrayList<>();
  private final ResourceManager breakers;
  private final TcpUpstream tcp;
  private int next;

  public TcpTestCluster(String name, StatsStore stats, Duration connectTimeout, String... ips) {
    this(name, stats, connectTimeout, CircuitBreakerSettings.DEFAULTS, ips);
  }

  public TcpTestCluster(
      String name,
      StatsStore stats,
      Duration connectTimeout,
      CircuitBreakerSettings breakerSettings,
      String... ips) {
    this.name = name;
    for (String ip : ips) {
      hosts.add(TestHosts.healthy(ip));
    }
    this.breakers = ResourceManager.create(name, RoutingPriority.DEFAULT, breakerSettings, stats);
    this.tcp =
        new TcpUpstream(
            connectTimeout, new ClusterStats(stats, name), UpstreamTransport.PLAINTEXT, false);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void noHealthyUpstream() {
    // These tests always have a host; RunningCluster counts upstream_cx_none_healthy.
  }

  @Override
  public TcpUpstream tcpUpstream() {
    return tcp;
  }

  @Override
  public SelectedHost chooseHost(LbContext context) {
    for (int i = 0; i < hosts.size(); i++) {
      Host h = hosts.get(next++ % hosts.size());
      if (!context.avoid().test(h)) {
        chosen.add(h.address().getHostString());
        return new SelectedHost() {
          @Override
          public InetSocketAddress address() {
            return h.address();
          }

          @Override
          public Host host() {
            return h;
          }

          @Override
          public String hostname() {
            return h.address().getHostString();
          }
        };
      }
    }
    return null;
  }

  @Override
  public ResourceManager breakers(RoutingPriority priority) {
    return breakers;
  }

  @Override
  public HostConnectionPool pool(EventLoop loop, SelectedHost host, boolean downstreamHttp2) {
    throw new UnsupportedOperationException("tcp_proxy opens its own connections");
  }

  @Override
  public HostConnectionPool tcpPool(EventLoop loop, SelectedHost host) {
    throw new UnsupportedOperationException("tcp_proxy opens its own connections");
  }

  @Override
  public BreakerGate gate() {
    return BreakerGate.ADMIT_ALL;
  }

  @Override
  public ClusterRetryContext retryContext(RoutingPriority priority) {
    throw new UnsupportedOperationException("tcp_proxy does not retry requests");
  }

  @Override
  public void requestStarted(SelectedHost host) {
    throw new UnsupportedOperationException("tcp_proxy has no requests");
  }

  @Override
  public void requestPending() {
    throw new UnsupportedOperationException("tcp_proxy has no requests");
  }

  @Override
  public void responseReceived(SelectedHost host, int status) {
    throw new UnsupportedOperationException("tcp_proxy has no requests");
  }

  @Override
  public void chargeResponse(int status, boolean internalRequest) {
    throw new UnsupportedOperationException("tcp_proxy has no responses");
  }

  @Override
  public void chargeRetriedResponse(int status) {
    throw new UnsupportedOperationException("tcp_proxy has no responses");
  }

  @Override
  public void requestEnded(SelectedHost host, UpstreamOutcome outcome) {
    throw new UnsupportedOperationException("tcp_proxy has no requests");
  }

  @Override
  public void responseTime(long millis) {
    throw new UnsupportedOperationException("tcp_proxy has no responses");
  }
}
