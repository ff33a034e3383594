package io.attache.dataplane.filter.router;

import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.retry.ClusterRetryContext;
import io.attache.dataplane.retry.RetryStats;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster of one host whose every upstream stream is an {@link EmbeddedChannel} the test reads
 * the request from and writes the response into; records what the router reported to it.
 */
public final class RecordingCluster implements ClusterHandle {
  public final List<EmbeddedChannel> upstreams = new ArrayList<>();
  public final List<String> events = new ArrayList<>();
  private final String name;
  private final ResourceManager breakers;
  private final ClusterRetryContext retry;
  private final Host host = TestHosts.healthy("10.0.0.1");
  private final SelectedHost selected =
      new SelectedHost() {
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
          return "10.0.0.1";
        }
      };

  public RecordingCluster(String name, StatsStore stats, RandomSource random) {
    this.name = name;
    this.breakers =
        ResourceManager.create(
            name, RoutingPriority.DEFAULT, CircuitBreakerSettings.DEFAULTS, stats);
    this.retry =
        new ClusterRetryContext(breakers, new RetryStats(stats, name), random, Clock.systemUTC());
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
    throw new UnsupportedOperationException("the router never opens raw TCP connections");
  }

  @Override
  public SelectedHost chooseHost(LbContext context) {
    return selected;
  }

  /** Raw connections are recorded like pooled ones: embedded channels in {@code upstreams}. */
  @Override
  public HostConnectionPool tcpPool(EventLoop loop, SelectedHost host) {
    events.add("raw tcp pool");
    return pool(loop, host, false);
  }

  @Override
  public HostConnectionPool pool(EventLoop loop, SelectedHost host, boolean downstreamHttp2) {
    return new HostConnectionPool() {
      @Override
      public Future<UpstreamLease> acquire() {
        EmbeddedChannel channel = new EmbeddedChannel();
        upstreams.add(channel);
        UpstreamLease lease =
            new UpstreamLease() {
              @Override
              public Channel channel() {
                return channel;
              }

              @Override
              public boolean reused() {
                return false;
              }

              @Override
              public void upgradeToRawBytes() {
                events.add("upgraded to raw bytes");
              }

              @Override
              public void release(boolean reusable) {
                events.add("released reusable=" + reusable);
              }
            };
        return channel.eventLoop().newSucceededFuture(lease);
      }

      @Override
      public int openConnections() {
        return upstreams.size();
      }

      @Override
      public boolean carriesUpgrades() {
        return true;
      }

      @Override
      public void drain() {}
    };
  }

  @Override
  public BreakerGate gate() {
    return BreakerGate.ADMIT_ALL;
  }

  @Override
  public ResourceManager breakers(RoutingPriority priority) {
    return breakers;
  }

  @Override
  public ClusterRetryContext retryContext(RoutingPriority priority) {
    return retry;
  }

  @Override
  public void requestStarted(SelectedHost host) {
    events.add("started");
  }

  @Override
  public void requestPending() {
    events.add("pending");
  }

  @Override
  public void responseReceived(SelectedHost host, int status) {
    events.add("response " + status);
  }

  @Override
  public void chargeResponse(int status, boolean internalRequest) {
    events.add("charged " + status + (internalRequest ? " internal" : ""));
  }

  @Override
  public void chargeRetriedResponse(int status) {
    events.add("charged retried " + status);
  }

  @Override
  public void responseTime(long millis) {
    events.add("response time " + millis + " ms");
  }

  @Override
  public void requestEnded(SelectedHost host, UpstreamOutcome outcome) {
    events.add("ended " + outcome);
  }
}
