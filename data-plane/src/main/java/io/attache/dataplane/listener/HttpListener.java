package io.attache.dataplane.listener;

import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.proxy.ConnectionIdleTimer;
import io.attache.dataplane.proxy.Http1ConnectionHandler;
import io.attache.dataplane.proxy.Http2StreamHandler;
import io.attache.dataplane.proxy.ListenerContext;
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
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A bound listener socket speaking HTTP/1.1 and/or HTTP/2 per the HCM's {@code codec_type}, in
 * cleartext or behind TLS termination when the filter chain has a {@code transport_socket}. New
 * connections read the current {@link ListenerContext} from the supplier, so a config swap affects
 * new streams only. Never blocks an event loop.
 */
public final class HttpListener {
  private final ListenerConfig config;
  private final Supplier<ListenerContext> contexts;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private Channel serverChannel;

  public HttpListener(ListenerConfig config, Supplier<ListenerContext> contexts) {
    this.config = config;
    this.contexts = contexts;
  }

  public ChannelFuture bind(EventLoopGroup acceptors, EventLoopGroup workers) {
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
                    connections.add(ch);
                    initConnection(ch);
                  }
                });
    ChannelFuture f = b.bind(config.address());
    serverChannel = f.channel();
    return f;
  }

  /** Whether {@link #bind} was called (the socket may still be binding or have failed). */
  public boolean isBound() {
    return serverChannel != null;
  }

  /** The address actually bound (port 0 resolved). */
  public InetSocketAddress boundAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public ListenerConfig config() {
    return config;
  }

  /** Stops accepting; existing connections keep being served. */
  public ChannelFuture stopAccepting() {
    return serverChannel.close();
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
    ListenerContext context = contexts.get();
    context.stats().downstreamCxTotal.inc();
    context.stats().downstreamCxActive.inc();
    ch.closeFuture().addListener(f -> context.stats().downstreamCxActive.dec());
    // From the first moment: a peer that never finishes a TLS handshake, a protocol sniff or an
    // HTTP/2 preface is idle too.
    ConnectionIdleTimer.startOnAccept(
        ch, context.hcm().idleTimeout(), context.stats().downstreamCxIdleTimeout, context.ticker());
    if (context.tls().isPresent()) {
      context.tls().get().install(ch, secured -> initHttp(secured, context));
    } else {
      initHttp(ch, context);
    }
  }

  /** The HTTP codecs per {@code codec_type}, on a plaintext or freshly secured connection. */
  private void initHttp(Channel ch, ListenerContext context) {
    HttpConnectionManagerConfig hcm = context.hcm();
    ChannelPipeline p = ch.pipeline();
    switch (hcm.codecType()) {
      case HTTP1 -> addHttp1(p, context, false);
      case HTTP2 -> addHttp2(p, context.http2Front());
      case AUTO ->
          p.addLast(
              new ProtocolSniffer(
                  ctx -> addHttp1(ctx.pipeline(), context, true),
                  ctx -> addHttp2(ctx.pipeline(), context.http2Front())));
    }
  }

  /** HTTP/1.1: the strict front door, then (AUTO only) h2c upgrade, then the stream handler. */
  private void addHttp1(ChannelPipeline p, ListenerContext context, boolean allowH2c) {
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
                      ? new Http2ServerUpgradeCodec(h2.newCodec(), http2Handlers(h2))
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
  private void addHttp2(ChannelPipeline p, Http2ServerCodecFactory h2) {
    p.channel().config().setAutoRead(true);
    p.addLast(
        new FlushConsolidationHandler(
            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
        h2.newCodec());
    p.addLast(http2Handlers(h2));
  }

  /** What follows the frame codec: stats, the stream multiplexer and the connection's tail. */
  private ChannelHandler[] http2Handlers(Http2ServerCodecFactory h2) {
    List<ChannelHandler> handlers = new ArrayList<>();
    handlers.add(new CountingHandler());
    handlers.add(new Http2MultiplexHandler(streamInitializer()));
    handlers.addAll(List.of(h2.connectionTail()));
    return handlers.toArray(ChannelHandler[]::new);
  }

  private ChannelInitializer<Channel> streamInitializer() {
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
  private final class CountingHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      contexts.get().stats().downstreamCxHttp2Total.inc();
      ctx.pipeline().remove(this);
    }
  }
}
