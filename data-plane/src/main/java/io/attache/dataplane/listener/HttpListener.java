package io.attache.dataplane.listener;

import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.listenerfilter.ListenerFilterHandler;
import io.attache.dataplane.listenerfilter.OriginalDestination;
import io.attache.dataplane.listenerfilter.SocketOriginalDestination;
import io.attache.dataplane.overload.GlobalDownstreamConnections;
import io.attache.dataplane.proxy.ConnectionIdleTimer;
import io.attache.dataplane.proxy.HcmStats;
import io.attache.dataplane.proxy.Http1ConnectionHandler;
import io.attache.dataplane.proxy.Http2StreamHandler;
import io.attache.dataplane.proxy.ListenerContext;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.transport.ByteCounter;
import io.attache.dataplane.transport.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bound listener socket ({@code transparent} sets {@code IP_TRANSPARENT} on it for TPROXY; {@code
 * bind_to_port: false} has none). Each accepted connection runs the listener's {@code
 * listener_filters} — on a {@code use_original_dst} listener, a connection whose original
 * destination another listener owns is handed to that listener — gets its filter chain by {@code
 * filter_chain_match} (or the default chain; none closes it), then the chain's TLS termination when
 * it has a {@code transport_socket}, and its terminal filter: HTTP per the HCM's {@code
 * codec_type}, or {@code tcp_proxy}. New connections read the current {@link ListenerRuntime} from
 * the supplier, so a config swap affects new connections (and new HTTP streams of chains it kept)
 * only. Never blocks an event loop.
 */
public final class HttpListener {
  private static final Logger log = LoggerFactory.getLogger(HttpListener.class);

  // Replaced by an LDS update that keeps the socket; each new connection reads it as it comes.
  private volatile ListenerConfig config;
  private final Supplier<ListenerRuntime> runtimes;
  private final ListenerStats stats;
  private final OriginalDestination originalDestination;
  private final OriginalDestinationListeners handOffTargets;
  private final GlobalDownstreamConnections globalConnections;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private Channel serverChannel;
  private volatile boolean bindCalled;
  private volatile boolean accepting;

  /**
   * A listener whose {@code original_dst} asks the kernel, and whose {@code use_original_dst} hands
   * connections to one of {@code handOffTargets}.
   */
  public HttpListener(
      ListenerConfig config,
      Supplier<ListenerRuntime> runtimes,
      ListenerStats stats,
      OriginalDestinationListeners handOffTargets,
      GlobalDownstreamConnections globalConnections) {
    this(
        config,
        runtimes,
        stats,
        SocketOriginalDestination.whenFirstUsed(),
        handOffTargets,
        globalConnections);
  }

  /**
   * As above, with where {@code original_dst} learns a redirected connection's destination; each
   * accepted connection takes its share of {@code globalConnections} (the overload manager's {@code
   * global_downstream_max_connections}) unless the listener sets {@code ignore_global_conn_limit}.
   */
  public HttpListener(
      ListenerConfig config,
      Supplier<ListenerRuntime> runtimes,
      ListenerStats stats,
      OriginalDestination originalDestination,
      OriginalDestinationListeners handOffTargets,
      GlobalDownstreamConnections globalConnections) {
    this.config = config;
    this.globalConnections = globalConnections;
    this.runtimes = runtimes;
    this.stats = stats;
    this.originalDestination =
        config.transparent()
            ? accepted ->
                originalDestination
                    .lookup(accepted)
                    .or(() -> Optional.of((InetSocketAddress) accepted.localAddress()))
            : originalDestination;
    this.handOffTargets = handOffTargets;
  }

  /**
   * Binds the socket; with {@code bind_to_port: false} there is none, and the listener only serves
   * connections other listeners hand it.
   */
  public Future<?> bind(EventLoopGroup acceptors, EventLoopGroup workers) {
    bindCalled = true;
    if (!config.bindToPort()) {
      accepting = true;
      return GlobalEventExecutor.INSTANCE.newSucceededFuture(null);
    }
    ServerBootstrap b =
        new ServerBootstrap()
            .group(acceptors, workers)
            .channel(Transports.serverSocketChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    initConnection(ch);
                  }
                });
    if (config.transparent()) {
      // TPROXY: accepted sockets carry the original destination as their local address.
      b.option(EpollChannelOption.IP_TRANSPARENT, true);
    }
    ChannelFuture f = b.bind(config.address());
    serverChannel = f.channel();
    f.addListener(bound -> accepting = bound.isSuccess());
    return f;
  }

  /** Whether {@link #bind} was called (the socket may still be binding or have failed). */
  public boolean isBound() {
    return bindCalled;
  }

  /** Whether it takes new connections: bound (or handed-off only) and not stopped. */
  public boolean accepting() {
    return accepting;
  }

  /** The address actually bound (port 0 resolved); the configured one without a socket. */
  public InetSocketAddress boundAddress() {
    return serverChannel == null
        ? config.address()
        : (InetSocketAddress) serverChannel.localAddress();
  }

  public ListenerConfig config() {
    return config;
  }

  /**
   * An LDS update of this listener that keeps its socket: connections accepted from now on follow
   * {@code next} ({@code listener_filters}, {@code use_original_dst}, {@code
   * ignore_global_conn_limit}, ...); connections already open keep what they started with.
   *
   * @throws IllegalArgumentException when {@code next} needs another socket (address, {@code
   *     bind_to_port} or {@code transparent} differ)
   */
  public void reconfigure(ListenerConfig next) {
    if (!next.address().equals(config.address())
        || next.bindToPort() != config.bindToPort()
        || next.transparent() != config.transparent()) {
      throw new IllegalArgumentException(
          "listener " + next.name() + " needs a new socket, not a reconfiguration");
    }
    config = next;
  }

  /** Stops accepting; existing connections keep being served. */
  public Future<?> stopAccepting() {
    accepting = false;
    return serverChannel == null
        ? GlobalEventExecutor.INSTANCE.newSucceededFuture(null)
        : serverChannel.close();
  }

  /** Open downstream connections right now. */
  public int openConnections() {
    return connections.size();
  }

  /** Closes every downstream connection at once (end of drain). */
  public void closeConnections() {
    connections.close();
  }

  private void initConnection(Channel ch) {
    // Envoy checks the global limit as it accepts, before listener filters; a refused connection
    // is closed at once and counted only in downstream_global_cx_overflow. Every accepted
    // connection gives a share back on close, an exempt listener's too (Envoy 1.40 does).
    if (!config.proto().getIgnoreGlobalConnLimit() && !globalConnections.tryAcquire()) {
      stats.downstreamGlobalCxOverflow.inc();
      log.debug("{}: global downstream connection limit reached; closing", config.name());
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> globalConnections.release());
    connections.add(ch);
    ConnectionProperties properties =
        new ConnectionProperties(
            (InetSocketAddress) ch.remoteAddress(), (InetSocketAddress) ch.localAddress());
    ch.attr(ConnectionProperties.KEY).set(properties);
    runListenerFilters(ch, properties, config.useOriginalDst());
  }

  /**
   * This listener's {@code listener_filters} on a connection it accepted or was handed, then — when
   * it may hand off and {@code original_dst} restored a destination another listener owns — that
   * listener takes the connection (its own listener filters run, it never hands off again: no
   * loops); otherwise this listener serves it.
   */
  private void runListenerFilters(Channel ch, ConnectionProperties properties, boolean mayHandOff) {
    ListenerRuntime runtime = runtimes.get();
    Runnable next =
        () -> {
          Optional<HttpListener> target =
              mayHandOff && properties.localAddressRestored()
                  ? handOffTargets.find(properties.localAddress()).filter(l -> l != this)
                  : Optional.empty();
          if (target.isPresent()) {
            log.debug(
                "{}: handing {} to {}", config.name(), properties, target.get().config.name());
            connections.remove(ch);
            target.get().connections.add(ch);
            target.get().runListenerFilters(ch, properties, false);
          } else {
            serve(ch, runtime, properties);
          }
        };
    if (config.listenerFilters().filters().isEmpty()) {
      next.run();
      return;
    }
    ch.pipeline()
        .addLast(
            "listener-filters:" + config.name(),
            new ListenerFilterHandler(
                config.listenerFilters(),
                properties,
                originalDestination,
                runtime.listenerFilterStats(),
                new ExecutorScheduler(ch.eventLoop()),
                ctx -> next.run()));
  }

  /**
   * The connection is this listener's from here on: counted in its scope (as Envoy counts a
   * connection once the listener filters are done, on the listener that ends up with it).
   */
  private void serve(Channel ch, ListenerRuntime runtime, ConnectionProperties properties) {
    long acceptedNanos = countConnection(ch);
    if (config.hasTcpProxy()) {
      // tcp_proxy passes a FIN on; the HTTP chains of the listener close on one (closeOnFin).
      ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
    startChain(ch, runtime, properties, acceptedNanos);
  }

  /** Picks the filter chain and installs its TLS and terminal filter. */
  private void startChain(
      Channel ch, ListenerRuntime runtime, ConnectionProperties properties, long acceptedNanos) {
    Optional<ChainRuntime> selected = runtime.chains().select(properties);
    if (selected.isEmpty()) {
      runtime.noFilterChainMatch().inc();
      log.debug("{}: no filter chain matches {}; closing", config.name(), properties);
      ch.close();
      return;
    }
    ChainRuntime chain = selected.get();
    chain
        .http()
        .ifPresent(
            // From the chain's choice on: a peer that never finishes a TLS handshake, a protocol
            // sniff or an HTTP/2 preface is idle too.
            context ->
                ConnectionIdleTimer.startOnAccept(
                    ch,
                    context.hcm().idleTimeout(),
                    context.stats().downstreamCxIdleTimeout,
                    context.ticker()));
    if (chain.tls().isPresent()) {
      chain
          .tls()
          .get()
          .install(ch, secured -> startTerminalFilter(secured, chain, properties, acceptedNanos));
    } else {
      startTerminalFilter(ch, chain, properties, acceptedNanos);
    }
  }

  private void startTerminalFilter(
      Channel ch, ChainRuntime chain, ConnectionProperties properties, long acceptedNanos) {
    if (chain.tcpProxy().isPresent()) {
      ch.pipeline()
          .addLast(
              "tcp_proxy",
              chain
                  .tcpProxy()
                  .get()
                  .newSession(
                      ch.eventLoop(), properties.requestedServerName(), properties.localAddress()));
      return;
    }
    ListenerContext captured = chain.http().orElseThrow();
    // New streams take the chain's newest context; a chain gone from the listener keeps its own.
    Supplier<ListenerContext> contexts =
        new DerivedFromNewest<>(runtimes, r -> r.http(chain.key()).orElse(captured));
    HcmStats hcmStats = captured.stats();
    hcmStats.downstreamCxTotal.inc();
    hcmStats.downstreamCxActive.inc();
    ch.closeFuture()
        .addListener(
            f -> {
              hcmStats.downstreamCxActive.dec();
              hcmStats.downstreamCxDestroy.inc();
              hcmStats.downstreamCxLengthMs.record(lengthMillis(ch, acceptedNanos));
            });
    if (config.hasTcpProxy()) {
      ch.pipeline().addLast("close-on-fin", new CloseOnFin());
    }
    initHttp(ch, captured, contexts);
  }

  /** What Netty does without half-closure: a FIN from the client ends an HTTP connection. */
  private static final class CloseOnFin extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof ChannelInputShutdownEvent) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }
  }

  /**
   * Envoy's per-connection accounting in the listener's scope: accepted, open, closed, and how long
   * it lasted ({@code downstream_cx_length_ms}); an HTTP chain adds the same in the HCM's scope.
   * Returns when the connection was accepted, on the event loop's ticker.
   */
  private long countConnection(Channel ch) {
    stats.downstreamCxTotal.inc();
    stats.downstreamCxActive.inc();
    long acceptedNanos = ch.eventLoop().ticker().nanoTime();
    ch.closeFuture()
        .addListener(
            f -> {
              stats.downstreamCxActive.dec();
              stats.downstreamCxDestroy.inc();
              stats.downstreamCxLengthMs.record(lengthMillis(ch, acceptedNanos));
            });
    return acceptedNanos;
  }

  private static long lengthMillis(Channel ch, long acceptedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(ch.eventLoop().ticker().nanoTime() - acceptedNanos);
  }

  /** The HTTP codecs per {@code codec_type}, on a plaintext or freshly secured connection. */
  private void initHttp(Channel ch, ListenerContext context, Supplier<ListenerContext> contexts) {
    HttpConnectionManagerConfig hcm = context.hcm();
    ChannelPipeline p = ch.pipeline();
    p.addLast(
        "byte-counter",
        new ByteCounter(
            context.stats().downstreamCxRxBytesTotal::add,
            context.stats().downstreamCxTxBytesTotal::add));
    switch (hcm.codecType()) {
      case HTTP1 -> addHttp1(p, context, false, contexts);
      case HTTP2 -> addHttp2(p, context.http2Front(), contexts);
      case AUTO ->
          p.addLast(
              new ProtocolSniffer(
                  ctx -> addHttp1(ctx.pipeline(), context, true, contexts),
                  ctx -> addHttp2(ctx.pipeline(), context.http2Front(), contexts)));
    }
  }

  /** HTTP/1.1: the strict front door, then (AUTO only) h2c upgrade, then the stream handler. */
  private void addHttp1(
      ChannelPipeline p,
      ListenerContext context,
      boolean allowH2c,
      Supplier<ListenerContext> contexts) {
    HttpConnectionManagerConfig hcm = context.hcm();
    Http2ServerCodecFactory h2 = context.http2Front();
    context.http1Front().install(p);
    if (allowH2c) {
      HttpServerCodec codec = (HttpServerCodec) p.get(Http1ServerCodecFactory.CODEC_NAME);
      p.addAfter(
          Http1ServerCodecFactory.CODEC_NAME,
          "h2c-upgrade",
          new HttpServerUpgradeHandler(
              codec,
              protocol ->
                  AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                      ? new Http2ServerUpgradeCodec(h2.newCodec(), http2Handlers(h2, contexts))
                      : null,
              hcm.maxRequestHeadersKb() * 1024));
    }
    p.addLast(new Http1ConnectionHandler(contexts));
    if (p.channel().isActive()) {
      p.channel().read();
    }
  }

  /**
   * HTTP/2 with prior knowledge. Responses are written while an upstream connection is being read,
   * one stream at a time; the flush consolidation handler turns their flushes into one write per
   * event-loop turn for the whole connection instead of one {@code writev} per stream.
   */
  private void addHttp2(
      ChannelPipeline p, Http2ServerCodecFactory h2, Supplier<ListenerContext> contexts) {
    p.channel().config().setAutoRead(true);
    p.addLast(
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
        h2.newCodec());
    p.addLast(http2Handlers(h2, contexts));
  }

  /** What follows the frame codec: stats, the stream multiplexer and the connection's tail. */
  private static ChannelHandler[] http2Handlers(
      Http2ServerCodecFactory h2, Supplier<ListenerContext> contexts) {
    List<ChannelHandler> handlers = new ArrayList<>();
    handlers.add(new CountingHandler(contexts));
    handlers.add(new Http2MultiplexHandler(streamInitializer(contexts)));
    handlers.addAll(List.of(h2.connectionTail()));
    return handlers.toArray(ChannelHandler[]::new);
  }

  private static ChannelInitializer<Channel> streamInitializer(Supplier<ListenerContext> contexts) {
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel stream) {
        stream
            .pipeline()
            .addLast(new Http2StreamFrameToHttpObjectCodec(true), new Http2StreamHandler(contexts));
      }
    };
  }

  /** Counts the connection as HTTP/2 once the HTTP/2 codec is in place, then steps aside. */
  private static final class CountingHandler extends ChannelInboundHandlerAdapter {
    private final Supplier<ListenerContext> contexts;

    CountingHandler(Supplier<ListenerContext> contexts) {
      this.contexts = contexts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      contexts.get().stats().downstreamCxHttp2Total.inc();
      ctx.pipeline().remove(this);
    }
  }
}
