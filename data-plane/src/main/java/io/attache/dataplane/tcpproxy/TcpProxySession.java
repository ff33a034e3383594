package io.attache.dataplane.tcpproxy;

import io.attache.dataplane.accesslog.AccessLogEntry;
import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.accesslog.ResponseFlags;
import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.Resource;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.TcpUpstream;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.pool.UpstreamProtocol;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tunnel.Http1TunnelHandshake;
import io.attache.dataplane.tunnel.Http2Tunnel;
import io.attache.dataplane.tunnel.TunnelOutcome;
import io.attache.dataplane.tunnel.TunnelRequest;
import io.attache.dataplane.tunnel.TunnelValue;
import io.attache.dataplane.tunnel.TunnelingConfig;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream connection proxied by {@code tcp_proxy}: picks the cluster (by weight) and a host,
 * connects upstream on the downstream's event loop (up to {@code max_connect_attempts} times, each
 * bounded by the cluster's {@code connect_timeout}), then relays bytes both ways with backpressure
 * (the next chunk is read only after the previous one was written), passes a half-close on in each
 * direction, and closes both sides after {@code idle_timeout} without a byte either way or after
 * {@code max_downstream_connection_duration}. With {@code tunneling_config} the upstream connection
 * first carries an HTTP/1.1 CONNECT (or POST; bytes flow after a 2xx) or, to an HTTP/2 cluster, one
 * HTTP/2 stream (bytes flow after a 200). Writes one access-log entry when the connection ends.
 * Runs on the downstream's event loop only; every timer goes through the injected scheduler.
 */
public final class TcpProxySession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TcpProxySession.class);

  /** The injected sources of time and randomness, and where the connection comes from. */
  public record Environment(
      Scheduler scheduler,
      Ticker ticker,
      Clock clock,
      RandomSource random,
      UpstreamConnector connector) {}

  private final TcpProxyConfig config;
  private final TcpProxyStats stats;
  private final Function<String, ClusterHandle> clusters;
  private final AccessLoggers accessLog;
  private final Environment env;
  private final String requestedServerName;
  private final InetSocketAddress downstreamLocalAddress;
  private final ArrayDeque<ByteBuf> beforeConnected = new ArrayDeque<>();
  private final Runnable onIdle = this::onIdle;

  private Channel downstream;
  private Channel upstream;

  /** The connection whose tunnel request awaits its answer; null otherwise. */
  private Channel tunnelling;

  private ClusterHandle cluster;
  private TcpUpstream tcp;
  private SelectedHost host;
  private Resource connectionSlot;
  private DeadlineTimer idleTimer;
  private Scheduler.ScheduledTask connectTimer = Scheduler.ScheduledTask.NONE;
  private Scheduler.ScheduledTask durationTimer = Scheduler.ScheduledTask.NONE;
  private int attempts;
  private boolean downstreamInputDone;
  private boolean upstreamInputDone;
  private boolean finished;
  private ResponseFlags flags = ResponseFlags.NONE;
  private long bytesFromDownstream;
  private long bytesToDownstream;
  private long startNanos;
  private Instant startTime;

  public TcpProxySession(
      TcpProxyConfig config,
      TcpProxyStats stats,
      Function<String, ClusterHandle> clusters,
      AccessLoggers accessLog,
      Environment env,
      String requestedServerName,
      InetSocketAddress downstreamLocalAddress) {
    this.config = config;
    this.stats = stats;
    this.clusters = clusters;
    this.accessLog = accessLog;
    this.env = env;
    this.requestedServerName = requestedServerName;
    this.downstreamLocalAddress = downstreamLocalAddress;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    downstream = ctx.channel();
    startNanos = env.ticker().nanoTime();
    startTime = env.clock().instant();
    stats.downstreamCxTotal.inc();
    idleTimer = new DeadlineTimer(env.scheduler(), env.ticker());
    config
        .maxDownstreamConnectionDuration()
        .ifPresent(
            max ->
                durationTimer =
                    env.scheduler()
                        .schedule(
                            max,
                            () -> {
                              stats.maxDownstreamConnectionDuration.inc();
                              closeBoth(ResponseFlag.DURATION_TIMEOUT);
                            }));
    String clusterName = config.pickCluster(env.random());
    cluster = clusters.apply(clusterName);
    if (cluster == null) {
      stats.downstreamCxNoRoute.inc();
      closeBoth(ResponseFlag.NO_CLUSTER_FOUND);
      return;
    }
    tcp = cluster.tcpUpstream();
    connectionSlot = cluster.breakers(RoutingPriority.DEFAULT).connections();
    if (connectionSlot.tryAcquire() != OverflowDecision.ADMITTED) {
      connectionSlot = null;
      closeBoth(ResponseFlag.UPSTREAM_OVERFLOW);
      return;
    }
    connect();
  }

  private void connect() {
    LbContext lbContext = attempts == 0 ? LbContext.NONE : avoidPreviousHost();
    host = cluster.chooseHost(lbContext.withDownstream(lbDownstream()));
    if (host == null) {
      cluster.noHealthyUpstream();
      closeBoth(ResponseFlag.NO_HEALTHY_UPSTREAM);
      return;
    }
    attempts++;
    tcp.stats().upstreamCxTotal().inc();
    ChannelFuture connecting = env.connector().connect(downstream, host.address(), new Relay());
    Channel attempt = connecting.channel();
    connectTimer =
        env.scheduler()
            .schedule(
                tcp.connectTimeout(),
                () -> {
                  if (!connecting.isDone()) {
                    tcp.stats().upstreamCxConnectTimeout().inc();
                    connecting.cancel(false);
                    attempt.close();
                  }
                });
    connecting.addListener(
        (ChannelFutureListener) f -> downstream.eventLoop().execute(() -> onConnect(f)));
  }

  /** What an ORIGINAL_DST cluster picks its host by: the connection's original destination. */
  private LbContext.Downstream lbDownstream() {
    ConnectionProperties properties = downstream.attr(ConnectionProperties.KEY).get();
    java.util.Optional<java.net.InetSocketAddress> restored =
        properties != null && properties.localAddressRestored()
            ? java.util.Optional.of(properties.localAddress())
            : java.util.Optional.empty();
    return new LbContext.Downstream() {
      @Override
      public java.util.Optional<java.net.InetSocketAddress> restoredLocalAddress() {
        return restored;
      }

      @Override
      public java.util.Optional<String> requestHeader(String name) {
        return java.util.Optional.empty();
      }
    };
  }

  private LbContext avoidPreviousHost() {
    SelectedHost previous = host;
    return new LbContext(
        java.util.OptionalLong.empty(), h -> previous != null && h == previous.host(), attempts);
  }

  private void onConnect(ChannelFuture f) {
    connectTimer.cancel();
    if (finished) {
      f.channel().close();
      return;
    }
    if (!f.isSuccess()) {
      tcp.stats().upstreamCxConnectFail().inc();
      log.debug(
          "tcp_proxy {}: connect to {} failed: {}",
          config.statPrefix(),
          host.describe(),
          f.cause() == null ? "cancelled" : f.cause().toString());
      retryOrGiveUp();
      return;
    }
    Channel connected = f.channel();
    if (tcp.originatesTls()) {
      // As Envoy: the upstream connection is up once its TLS handshake is done; a handshake that
      // fails is a failed connect (counted, and retried on another host while attempts allow).
      tcp.transport()
          .secure(connected, UpstreamProtocol.TCP)
          .addListener(
              (ChannelFutureListener)
                  handshake ->
                      downstream
                          .eventLoop()
                          .execute(
                              () -> {
                                if (finished) {
                                  connected.close();
                                } else if (!handshake.isSuccess()) {
                                  tcp.stats().upstreamCxConnectFail().inc();
                                  log.debug(
                                      "tcp_proxy {}: TLS to {} failed: {}",
                                      config.statPrefix(),
                                      host.describe(),
                                      String.valueOf(handshake.cause()));
                                  connected.close();
                                  retryOrGiveUp();
                                } else {
                                  upstreamConnected(connected);
                                }
                              }));
      return;
    }
    upstreamConnected(connected);
  }

  /** The upstream connection is up (its TLS handshake done, where the cluster asks for TLS). */
  private void upstreamConnected(Channel connected) {
    tcp.stats().upstreamCxActive().inc();
    connected
        .closeFuture()
        .addListener(
            c -> {
              tcp.stats().upstreamCxActive().dec();
              tcp.stats().upstreamCxDestroy().inc();
            });
    if (config.tunneling().isPresent()) {
      openTunnel(connected, config.tunneling().get());
    } else {
      relayThrough(connected);
    }
  }

  /**
   * Sends the tunnel's request on the new connection and relays only once the upstream accepted it;
   * a refusal counts as a failed connect (and may be retried on another host), as Envoy's tcp_proxy
   * treats a tunnel its upstream refused.
   */
  private void openTunnel(Channel connected, TunnelingConfig tunneling) {
    tunnelling = connected;
    tcp.stats().upstreamRqTotal().inc();
    tcp.stats().upstreamRqPendingTotal().inc(); // Envoy's pool queues it while connecting
    touch(); // a silent upstream is bounded by the idle timeout
    TunnelRequest request =
        tunneling.request(
            new TunnelValue.ConnectionValues(
                address(downstreamRemoteAddress()).orElse(null),
                downstreamLocalAddress,
                requestedServerName));
    TunnelOutcome outcome =
        new TunnelOutcome() {
          @Override
          public void established(Channel tunnel, int status) {
            tunnelling = null;
            if (finished) {
              connected.close();
              return;
            }
            relayThrough(tunnel);
          }

          @Override
          public void refused(int status, String why) {
            // As Envoy's tcp_proxy: no response-code stats (the router charges those), and a
            // refusal is not a connect failure, though it uses up a connect attempt.
            tunnelling = null;
            log.debug(
                "tcp_proxy {}: tunnel through {} refused: {}",
                config.statPrefix(),
                host.describe(),
                why);
            connected.close();
            if (!finished) {
              retryOrGiveUp();
            }
          }
        };
    if (tcp.http2()) {
      tcp.stats().upstreamCxHttp2Total().inc();
      Http2Tunnel.open(connected, request, false, new Relay(), outcome);
    } else {
      tcp.stats().upstreamCxHttp1Total().inc();
      connected.pipeline().addFirst(new Http1TunnelHandshake(request, outcome));
    }
  }

  /** The upstream is ready for the stream's bytes: the held ones go first, then both ways. */
  private void relayThrough(Channel connected) {
    upstream = connected;
    while (!beforeConnected.isEmpty()) {
      upstream.write(beforeConnected.poll());
    }
    upstream.flush();
    if (downstreamInputDone) {
      shutdownOutputAfterWrites(upstream);
    }
    touch();
    upstream.read();
    readDownstream();
  }

  /**
   * After a failed connect (or a refused tunnel): another host while {@code max_connect_attempts}
   * allows, else the client's connection closes ({@code upstream_cx_connect_attempts_exceeded}).
   */
  private void retryOrGiveUp() {
    if (attempts < config.maxConnectAttempts()) {
      connect();
      return;
    }
    tcp.stats().upstreamCxConnectAttemptsExceeded().inc();
    closeBoth(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
  }

  /** Asks for the next downstream chunk; never after its end (epoll refuses a read then). */
  private void readDownstream() {
    if (!downstreamInputDone && downstream.isActive()) {
      downstream.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    int n = buf.readableBytes();
    bytesFromDownstream += n;
    stats.downstreamCxRxBytesTotal.add(n);
    if (upstream == null) {
      if (finished) {
        buf.release();
      } else {
        beforeConnected.add(buf); // bytes a listener filter read; no more until connected
      }
      return;
    }
    touch();
    tcp.stats().upstreamCxTxBytesTotal().add(n);
    upstream
        .writeAndFlush(buf)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    touch();
                    readDownstream();
                  } else {
                    closeBoth(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
                  }
                });
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      downstreamInputDone = true;
      if (upstream != null) {
        shutdownOutputAfterWrites(upstream);
      }
      closeIfBothDone();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (upstream != null) {
      closeAfterWrites(upstream);
    }
    if (tunnelling != null) {
      tunnelling.close();
    }
    finish();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug(
        "tcp_proxy {}: downstream {} failed: {}",
        config.statPrefix(),
        downstream,
        cause.toString());
    closeBoth(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
  }

  /** The upstream side: bytes back to the downstream, and its close or half-close. */
  private final class Relay extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      int n = buf.readableBytes();
      bytesToDownstream += n;
      stats.downstreamCxTxBytesTotal.add(n);
      tcp.stats().upstreamCxRxBytesTotal().add(n);
      touch();
      downstream
          .writeAndFlush(buf)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      touch();
                      if (!upstreamInputDone && ctx.channel().isActive()) {
                        ctx.read();
                      }
                    } else {
                      closeBoth(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
                    }
                  });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        upstreamInputDone = true;
        shutdownOutputAfterWrites(downstream);
        closeIfBothDone();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() != upstream) {
        return; // a failed attempt
      }
      if (!finished) {
        if (!upstreamInputDone) {
          flags = flags.with(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
        }
        closeAfterWrites(downstream);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug(
          "tcp_proxy {}: upstream {} failed: {}",
          config.statPrefix(),
          ctx.channel(),
          cause.toString());
      ctx.close();
    }
  }

  private void closeIfBothDone() {
    if (downstreamInputDone && upstreamInputDone) {
      closeAfterWrites(upstream);
      closeAfterWrites(downstream);
    }
  }

  private void touch() {
    if (config.idleTimeout().isZero() || finished) {
      return;
    }
    idleTimer.arm(env.ticker().nanoTime() + config.idleTimeout().toNanos(), onIdle);
  }

  private void onIdle() {
    if (!finished) {
      stats.idleTimeout.inc();
      closeBoth(null);
    }
  }

  private void closeBoth(ResponseFlag flag) {
    if (flag != null) {
      flags = flags.with(flag);
    }
    if (upstream != null) {
      upstream.close();
    }
    if (tunnelling != null) {
      tunnelling.close();
    }
    downstream.close();
    finish();
  }

  /** Runs once: releases timers, buffered bytes and the breaker slot, writes the access log. */
  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    idleTimer.close();
    connectTimer.cancel();
    durationTimer.cancel();
    while (!beforeConnected.isEmpty()) {
      beforeConnected.poll().release();
    }
    if (connectionSlot != null) {
      Resource slot = connectionSlot;
      connectionSlot = null;
      if (upstream != null) {
        upstream.closeFuture().addListener(c -> slot.release());
      } else {
        slot.release();
      }
    }
    if (accessLog.isEmpty()) {
      return;
    }
    AccessLogEntry.Builder entry =
        AccessLogEntry.builder()
            .startTime(startTime)
            .duration(Duration.ofNanos(env.ticker().nanoTime() - startNanos))
            .responseFlags(flags)
            .bytesReceived(bytesFromDownstream)
            .bytesSent(bytesToDownstream)
            .upstreamCluster(cluster == null ? "" : cluster.name())
            .upstreamRequestAttemptCount(attempts)
            .requestedServerName(requestedServerName);
    if (host != null) {
      entry.upstreamHost(host.address());
    }
    address(downstreamRemoteAddress()).ifPresent(entry::downstreamRemoteAddress);
    entry.downstreamLocalAddress(downstreamLocalAddress);
    if (upstream != null) {
      address(upstream.localAddress()).ifPresent(entry::upstreamLocalAddress);
    }
    accessLog.log(entry.build());
  }

  /** The client's address: a PROXY protocol header's source when the listener read one. */
  private SocketAddress downstreamRemoteAddress() {
    ConnectionProperties properties = downstream.attr(ConnectionProperties.KEY).get();
    return properties != null ? properties.remoteAddress() : downstream.remoteAddress();
  }

  private static Optional<InetSocketAddress> address(SocketAddress a) {
    return a instanceof InetSocketAddress inet ? Optional.of(inet) : Optional.empty();
  }

  /** Half-closes {@code ch} once what was written before has gone out (FIN after the data). */
  private static void shutdownOutputAfterWrites(Channel ch) {
    if (Http2Tunnel.isStream(ch)) {
      Http2Tunnel.shutdownOutput(ch); // END_STREAM after the DATA already queued
      return;
    }
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            f -> {
              if (ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
              } else {
                ch.close();
              }
            });
  }

  private static void closeAfterWrites(Channel ch) {
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ch.close());
  }
}
