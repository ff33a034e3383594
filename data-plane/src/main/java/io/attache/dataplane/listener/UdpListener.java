package io.attache.dataplane.listener;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.udpproxy.UdpProxyFilter;
import io.attache.dataplane.udpproxy.UdpUpstreamSockets;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Function;

/**
 * A bound UDP listener socket and the {@code udp_proxy} running on it, on one event loop of the
 * proxy's workers; each session's upstream socket lives on the same loop. Never blocks an event
 * loop.
 */
public final class UdpListener {
  private final UdpListenerConfig config;
  private final StatsStore stats;
  private final Function<String, ClusterHandle> clusters;
  private final Ticker ticker;
  private Channel channel;
  private UdpProxyFilter filter;

  public UdpListener(
      UdpListenerConfig config,
      StatsStore stats,
      Function<String, ClusterHandle> clusters,
      Ticker ticker) {
    this.config = config;
    this.stats = stats;
    this.clusters = clusters;
    this.ticker = ticker;
  }

  public UdpListenerConfig config() {
    return config;
  }

  /** Binds the socket on one of {@code workers}. */
  public ChannelFuture bind(EventLoopGroup workers) {
    ChannelFuture f =
        new Bootstrap()
            .group(workers)
            .channel(Transports.datagramChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new FixedRecvByteBufAllocator(config.maxRxDatagramSize()))
            .handler(new Datagrams())
            .bind(config.address());
    channel = f.channel();
    return f;
  }

  /** The bound address (the port resolved when the config said 0), or null before binding. */
  public InetSocketAddress boundAddress() {
    return channel == null ? null : (InetSocketAddress) channel.localAddress();
  }

  /** Closes the socket and ends every session. */
  public Future<?> close() {
    if (channel == null) {
      return GlobalEventExecutor.INSTANCE.newSucceededFuture(null);
    }
    return channel
        .eventLoop()
        .submit(
            () -> {
              if (filter != null) {
                filter.close();
              }
              channel.close();
            });
  }

  /** Every session's upstream socket: bound to an ephemeral port on the listener's event loop. */
  private UdpUpstreamSockets upstreamSockets(Channel listener) {
    return (upstream, handler) ->
        new Bootstrap()
            .group(listener.eventLoop())
            .channel(Transports.datagramChannel())
            .option(
                ChannelOption.RCVBUF_ALLOCATOR,
                new FixedRecvByteBufAllocator(config.udpProxy().upstreamMaxRxDatagramSize()))
            .handler(handler)
            .bind(new InetSocketAddress(sourceFor(upstream), 0));
  }

  /**
   * The local address a session's socket binds: the loopback for a loopback host (so nothing is
   * bound beyond it), else the wildcard of the host's family, leaving the source to routing as
   * Envoy does.
   */
  private static InetAddress sourceFor(InetSocketAddress upstream) {
    InetAddress host = upstream.getAddress();
    boolean v6 = host instanceof Inet6Address;
    try {
      if (host.isLoopbackAddress()) {
        return InetAddress.getByName(v6 ? "::1" : "127.0.0.1");
      }
      return InetAddress.getByName(v6 ? "::" : "0.0.0.0");
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("a literal address always parses", e);
    }
  }

  /** The listener socket's handler: each datagram goes to the UDP proxy. */
  private final class Datagrams extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel ch = ctx.channel();
      filter =
          new UdpProxyFilter(
              config.udpProxy(),
              stats,
              clusters,
              ch,
              upstreamSockets(ch),
              new ExecutorScheduler(ch.eventLoop()),
              ticker);
      ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      filter.onData(
          (InetSocketAddress) ctx.channel().localAddress(),
          packet.sender(),
          packet.content().retain());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      filter.onReceiveError();
    }
  }
}
