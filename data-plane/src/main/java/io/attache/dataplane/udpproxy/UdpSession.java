package io.attache.dataplane.udpproxy;

import io.attache.dataplane.breaker.Resource;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.upstream.ClusterStats;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One UDP proxy session, as Envoy's {@code ActiveSession}: one upstream socket to one host, the
 * downstream's datagrams sent through it and the host's replies sent back to the downstream from
 * the listener socket; every datagram either way re-arms the idle timer, whose expiry ends the
 * session ({@code idle_timeout}). Datagrams that arrive while the socket is still being bound wait
 * for it (at most {@link #MAX_QUEUED} of them). Runs on the listener socket's event loop only.
 */
final class UdpSession {
  private static final Logger log = LoggerFactory.getLogger(UdpSession.class);

  /** Datagrams held while the upstream socket is being bound; Envoy's write is synchronous. */
  static final int MAX_QUEUED = 256;

  private final UdpProxyFilter filter;
  private final UdpProxyFilter.SessionKey key;
  private final SelectedHost host;
  private final ClusterStats clusterStats;
  private final UdpProxyStats.ClusterUdpStats udpStats;
  private final Resource connectionSlot;
  private final Consumer<UdpSession> onClosed;
  private final DeadlineTimer idleTimer;
  private final Runnable onIdle = this::onIdle;
  private final ArrayDeque<ByteBuf> queued = new ArrayDeque<>();
  private Channel upstream;
  private boolean bound;
  private boolean closed;

  UdpSession(
      UdpProxyFilter filter,
      UdpProxyFilter.SessionKey key,
      ClusterHandle cluster,
      SelectedHost host,
      UdpProxyStats.ClusterUdpStats udpStats,
      Resource connectionSlot,
      Consumer<UdpSession> onClosed) {
    this.filter = filter;
    this.key = key;
    this.host = host;
    this.clusterStats = cluster.tcpUpstream().stats();
    this.udpStats = udpStats;
    this.connectionSlot = connectionSlot;
    this.onClosed = onClosed;
    this.idleTimer = new DeadlineTimer(filter.scheduler(), filter.ticker());
  }

  UdpProxyFilter.SessionKey key() {
    return key;
  }

  SelectedHost host() {
    return host;
  }

  void open() {
    filter.stats().downstreamSessTotal.inc();
    filter.stats().downstreamSessActive.inc();
    log.debug(
        "udp_proxy {}: new session downstream={} local={} upstream={}",
        filter.config().statPrefix(),
        key.peer(),
        key.local(),
        host.describe());
    ChannelFuture opening = filter.sockets().open(host.address(), new Replies());
    upstream = opening.channel();
    if (opening.isDone()) {
      onBound(opening);
    } else {
      opening.addListener((ChannelFutureListener) this::onBound);
    }
  }

  /** One datagram from the downstream; takes ownership of {@code datagram}. */
  void write(ByteBuf datagram) {
    int length = datagram.readableBytes();
    filter.stats().downstreamSessRxBytes.add(length);
    filter.stats().downstreamSessRxDatagrams.inc();
    touch();
    if (closed) {
      datagram.release();
      udpStats.sessTxErrors().inc();
      return;
    }
    if (!bound) {
      if (queued.size() >= MAX_QUEUED) {
        datagram.release();
        udpStats.sessTxErrors().inc();
        return;
      }
      queued.add(datagram);
      return;
    }
    send(datagram);
  }

  private void send(ByteBuf datagram) {
    int length = datagram.readableBytes();
    upstream
        .writeAndFlush(new DatagramPacket(datagram, host.address()))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                udpStats.sessTxDatagrams().inc();
                clusterStats.upstreamCxTxBytesTotal().add(length);
              } else {
                udpStats.sessTxErrors().inc();
              }
            });
  }

  private void onBound(ChannelFuture f) {
    if (closed) {
      f.channel().close();
      return;
    }
    if (!f.isSuccess()) {
      log.debug(
          "udp_proxy {}: cannot open a socket to {}: {}",
          filter.config().statPrefix(),
          host.describe(),
          f.cause() == null ? "cancelled" : f.cause().toString());
      for (ByteBuf b = queued.poll(); b != null; b = queued.poll()) {
        b.release();
        udpStats.sessTxErrors().inc();
      }
      close();
      return;
    }
    bound = true;
    for (ByteBuf b = queued.poll(); b != null; b = queued.poll()) {
      send(b);
    }
  }

  private void onReply(ByteBuf content) {
    int length = content.readableBytes();
    udpStats.sessRxDatagrams().inc();
    clusterStats.upstreamCxRxBytesTotal().add(length);
    touch();
    filter
        .downstream()
        .writeAndFlush(new DatagramPacket(content.retain(), key.peer()))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                filter.stats().downstreamSessTxBytes.add(length);
                filter.stats().downstreamSessTxDatagrams.inc();
              } else {
                filter.stats().downstreamSessTxErrors.inc();
              }
            });
  }

  private void touch() {
    idleTimer.arm(filter.ticker().nanoTime() + filter.config().idleTimeout().toNanos(), onIdle);
  }

  private void onIdle() {
    log.debug(
        "udp_proxy {}: session idle timeout downstream={} local={}",
        filter.config().statPrefix(),
        key.peer(),
        key.local());
    filter.stats().idleTimeout.inc();
    close();
  }

  /** Ends the session: its socket closed, its slot and gauge given back. Harmless twice. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    idleTimer.close();
    for (ByteBuf b = queued.poll(); b != null; b = queued.poll()) {
      b.release();
    }
    if (upstream != null) {
      upstream.close();
    }
    filter.stats().downstreamSessActive.dec();
    connectionSlot.release();
    onClosed.accept(this);
  }

  /** The upstream socket's only handler: every datagram it receives is a reply to relay. */
  private final class Replies extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      if (!closed) {
        onReply(packet.content());
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      udpStats.sessRxErrors().inc();
      log.debug(
          "udp_proxy {}: receive error from {}: {}",
          filter.config().statPrefix(),
          host.describe(),
          cause.toString());
    }
  }
}
