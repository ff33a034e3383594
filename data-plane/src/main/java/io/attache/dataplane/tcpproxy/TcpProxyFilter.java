package io.attache.dataplane.tcpproxy;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.function.Function;

/**
 * A running {@code tcp_proxy} filter of one filter chain: its config, stats and access log, shared
 * by every connection of the chain, each of which gets its own {@link TcpProxySession}. Owns its
 * access-log files; {@link #close} releases them once the chain is retired.
 */
public final class TcpProxyFilter implements AutoCloseable {
  private final TcpProxyConfig config;
  private final TcpProxyStats stats;
  private final Function<String, ClusterHandle> clusters;
  private final AccessLoggers accessLog;
  private final Function<EventLoop, Scheduler> schedulers;
  private final Ticker ticker;
  private final Clock clock;
  private final RandomSource random;
  private final UpstreamConnector connector;

  public TcpProxyFilter(
      TcpProxyConfig config,
      StatsStore stats,
      Function<String, ClusterHandle> clusters,
      AccessLoggers accessLog,
      Function<EventLoop, Scheduler> schedulers,
      Ticker ticker,
      Clock clock,
      RandomSource random,
      UpstreamConnector connector) {
    this.config = config;
    this.stats = new TcpProxyStats(stats, config.statPrefix());
    this.clusters = clusters;
    this.accessLog = accessLog;
    this.schedulers = schedulers;
    this.ticker = ticker;
    this.clock = clock;
    this.random = random;
    this.connector = connector;
  }

  public TcpProxyConfig config() {
    return config;
  }

  /** The handler that proxies one connection accepted on {@code loop}. */
  public TcpProxySession newSession(
      EventLoop loop, String requestedServerName, InetSocketAddress downstreamLocalAddress) {
    return new TcpProxySession(
        config,
        stats,
        clusters,
        accessLog,
        new TcpProxySession.Environment(schedulers.apply(loop), ticker, clock, random, connector),
        requestedServerName,
        downstreamLocalAddress);
  }

  @Override
  public void close() {
    accessLog.close();
  }
}
