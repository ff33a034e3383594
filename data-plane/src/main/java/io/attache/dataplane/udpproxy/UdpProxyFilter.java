package io.attache.dataplane.udpproxy;

import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.Resource;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A running UDP proxy on one listener socket, as Envoy's {@code UdpProxyFilter}: each datagram is
 * routed to a cluster; a session keyed by the downstream's (local, peer) addresses — and the host,
 * with {@code use_per_packet_load_balancing} — owns one upstream socket to one host, relays
 * datagrams both ways and ends after {@code idle_timeout} with no datagram either way. A session
 * whose host turned unhealthy moves to a healthy one. Sessions count against the cluster's {@code
 * max_connections}. Runs on the listener socket's event loop only; must never block.
 */
public final class UdpProxyFilter {
  private final UdpProxyFilterConfig config;
  private final UdpProxyStats stats;
  private final StatsStore store;
  private final Function<String, ClusterHandle> clusters;
  private final Channel downstream;
  private final UdpUpstreamSockets sockets;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final Map<SessionKey, UdpSession> sessions = new HashMap<>();
  private final Map<String, UdpProxyStats.ClusterUdpStats> clusterStats = new HashMap<>();

  /** What a session is found by: the cluster, the downstream's two addresses, and its host. */
  record SessionKey(
      String cluster, InetSocketAddress local, InetSocketAddress peer, InetSocketAddress host) {}

  /**
   * @param downstream the listener socket replies are sent from
   * @param sockets opens each session's upstream socket
   * @param scheduler the listener socket's event loop, as a scheduler
   */
  public UdpProxyFilter(
      UdpProxyFilterConfig config,
      StatsStore store,
      Function<String, ClusterHandle> clusters,
      Channel downstream,
      UdpUpstreamSockets sockets,
      Scheduler scheduler,
      Ticker ticker) {
    this.config = config;
    this.store = store;
    this.stats = new UdpProxyStats(store, config.statPrefix());
    this.clusters = clusters;
    this.downstream = downstream;
    this.sockets = sockets;
    this.scheduler = scheduler;
    this.ticker = ticker;
  }

  UdpProxyFilterConfig config() {
    return config;
  }

  UdpProxyStats stats() {
    return stats;
  }

  Channel downstream() {
    return downstream;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  Ticker ticker() {
    return ticker;
  }

  UdpUpstreamSockets sockets() {
    return sockets;
  }

  /** Sessions open now. */
  public int activeSessions() {
    return sessions.size();
  }

  /** One datagram from {@code peer} to {@code local}; takes ownership of {@code datagram}. */
  public void onData(InetSocketAddress local, InetSocketAddress peer, ByteBuf datagram) {
    String clusterName = config.router().route(local, peer);
    ClusterHandle cluster = clusterName == null ? null : clusters.apply(clusterName);
    if (cluster == null) {
      stats.downstreamSessNoRoute.inc();
      datagram.release();
      return;
    }
    UdpProxyStats.ClusterUdpStats udpStats =
        clusterStats.computeIfAbsent(
            clusterName, name -> UdpProxyStats.ClusterUdpStats.of(store, name));
    UdpSession session =
        config.perPacketLoadBalancing()
            ? perPacketSession(cluster, udpStats, local, peer)
            : stickySession(cluster, udpStats, local, peer);
    if (session == null) {
      datagram.release();
      return;
    }
    session.write(datagram);
  }

  /** A receive error on the listener socket ({@code downstream_sess_rx_errors}). */
  public void onReceiveError() {
    stats.downstreamSessRxErrors.inc();
  }

  /** Ends every session (the listener is gone). */
  public void close() {
    for (UdpSession s : new ArrayList<>(sessions.values())) {
      s.close();
    }
  }

  private UdpSession stickySession(
      ClusterHandle cluster,
      UdpProxyStats.ClusterUdpStats udpStats,
      InetSocketAddress local,
      InetSocketAddress peer) {
    SessionKey key = new SessionKey(cluster.name(), local, peer, null);
    UdpSession existing = sessions.get(key);
    if (existing == null) {
      SelectedHost host = chooseHost(cluster, peer);
      if (host == null) {
        cluster.noHealthyUpstream();
        return null;
      }
      return createSession(key, cluster, udpStats, host);
    }
    if (existing.host().host().coarseHealth() != HostHealth.UNHEALTHY) {
      return existing;
    }
    // As Envoy: a session whose host went unhealthy moves to a healthy host if there is another.
    SelectedHost replacement = chooseHost(cluster, peer);
    if (replacement == null
        || replacement.host().coarseHealth() == HostHealth.UNHEALTHY
        || replacement.host() == existing.host().host()) {
      return existing;
    }
    existing.close();
    return createSession(key, cluster, udpStats, replacement);
  }

  private UdpSession perPacketSession(
      ClusterHandle cluster,
      UdpProxyStats.ClusterUdpStats udpStats,
      InetSocketAddress local,
      InetSocketAddress peer) {
    SelectedHost host = chooseHost(cluster, peer);
    if (host == null) {
      cluster.noHealthyUpstream();
      return null;
    }
    SessionKey key = new SessionKey(cluster.name(), local, peer, host.address());
    UdpSession existing = sessions.get(key);
    return existing != null ? existing : createSession(key, cluster, udpStats, host);
  }

  private SelectedHost chooseHost(ClusterHandle cluster, InetSocketAddress peer) {
    OptionalLong hash = config.hashFor(peer);
    return cluster.chooseHost(
        hash.isPresent() ? LbContext.withHash(hash.getAsLong()) : LbContext.NONE);
  }

  private UdpSession createSession(
      SessionKey key,
      ClusterHandle cluster,
      UdpProxyStats.ClusterUdpStats udpStats,
      SelectedHost host) {
    Resource connections = cluster.breakers(RoutingPriority.DEFAULT).connections();
    if (connections.tryAcquire() != OverflowDecision.ADMITTED) {
      return null; // counted as upstream_cx_overflow by the breaker
    }
    UdpSession session =
        new UdpSession(this, key, cluster, host, udpStats, connections, this::removed);
    sessions.put(key, session);
    session.open();
    return session;
  }

  private void removed(UdpSession session) {
    sessions.remove(session.key(), session);
  }

  /** Sessions by key, for tests. */
  List<SessionKey> sessionKeys() {
    return List.copyOf(sessions.keySet());
  }
}
