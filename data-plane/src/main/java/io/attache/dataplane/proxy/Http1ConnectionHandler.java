package io.attache.dataplane.proxy;

import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.logging.RateLimitedLog;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tls.TlsSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One downstream HTTP/1.1 connection: runs its requests strictly one after another (pipelined
 * requests wait, already decoded, until the previous response is done) and reads a request body
 * only as fast as the current stream asks for it. Runs on the connection's event loop; never
 * blocks.
 */
public final class Http1ConnectionHandler extends ChannelInboundHandlerAdapter
    implements DownstreamSink {
  private static final Logger log = LoggerFactory.getLogger(Http1ConnectionHandler.class);
  private static final RateLimitedLog connectionErrors =
      RateLimitedLog.perMinute(log, Ticker.SYSTEM);

  private final Supplier<ListenerContext> contexts;
  private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private DeadlineTimer routeTimer;
  private Scheduler scheduler;
  private DeadlineTimer streamIdleTimer;
  private ListenerContext context;
  private ActiveStream current;
  private boolean wantMore;
  private boolean closing;
  private boolean closeAfterCurrent;
  private boolean draining;
  private String protocol = "HTTP/1.1";
  private boolean counted;
  private ConnectionIdleTimer idleTimer;
  // The handshake recorded it before this handler was installed: looked up once, not per request.
  private TlsSession tls;

  /** After a 101: the HTTP/1 codec is gone and the current stream's body is the raw bytes. */
  private boolean tunnelling;

  public Http1ConnectionHandler(Supplier<ListenerContext> contexts) {
    this.contexts = contexts;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.context = contexts.get();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    idleTimer();
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnelling && msg instanceof ByteBuf bytes && current != null && !closing) {
      wantMore = false;
      current.onRequestContent(new DefaultHttpContent(bytes));
      return;
    }
    if (!(msg instanceof HttpObject obj) || closing || closeAfterCurrent) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current == null && queued.isEmpty() && obj instanceof HttpRequest) {
      start(obj);
    } else if (current != null
        && queued.isEmpty()
        && !(obj instanceof HttpRequest)
        && !current.requestComplete()) {
      wantMore = false;
      current.onRequestContent((HttpContent) obj);
    } else {
      queued.add(obj);
    }
  }

  private void start(HttpObject first) {
    HttpRequest request = (HttpRequest) first;
    protocol = request.protocolVersion() == HttpVersion.HTTP_1_0 ? "HTTP/1.0" : "HTTP/1.1";
    context = contexts.get();
    if (!counted) {
      counted = true;
      context.stats().downstreamCxHttp1Total.inc();
    }
    context.stats().downstreamRqHttp1Total.inc();
    idleTimer().streamStarted();
    current = new ActiveStream(context, this);
    current.onRequestHeaders(request);
  }

  /**
   * Keeps a read pending whenever the connection may accept bytes: between requests, while the
   * current request's body is wanted, and once the current request is complete (what follows is a
   * pipelined request, which the sequencer holds and then stops reading, or the client closing,
   * which resets the stream as in Envoy). A read left pending keeps the socket registered for
   * input; dropping it and asking again costs two epoll_ctl calls per request.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!closing
        && !closeAfterCurrent
        && ((queued.isEmpty() && (current == null || current.requestComplete())) || wantMore)) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
        || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
      // h2c upgrade: the HTTP/2 codec now owns the connection and reads on its own.
      ctx.channel().config().setAutoRead(true);
      Http1ServerCodecFactory.uninstall(ctx.pipeline());
      ctx.pipeline().remove(this);
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (current != null) {
      ActiveStream s = current;
      current = null;
      s.onDownstreamClosed();
    }
    drainQueue();
    if (routeTimer != null) {
      routeTimer.close();
    }
    if (streamIdleTimer != null) {
      streamIdleTimer.close();
    }
    ctx.fireChannelInactive();
  }

  /**
   * A read error from the socket (or from TLS under it) is the client going away or sending bytes
   * that do not decrypt: the stream sees the close, nothing is logged. Anything else broke the
   * connection's input: it is counted and logged (rate-limited), nothing more is read, and a
   * request already read whole still gets its response before the connection closes; one cut off
   * mid-body is reset with the connection, and requests decoded behind the current one were never
   * forwarded and go with it.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException || cause.getCause() instanceof IOException) {
      ctx.close();
      return;
    }
    context.stats().downstreamCxProtocolError.inc();
    connectionErrors.warn(
        "HTTP/1.1 connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    drainQueue();
    if (current != null && current.requestComplete() && !closing) {
      closeAfterCurrent = true;
      return;
    }
    closing = true;
    ctx.close();
  }

  /** The connection's idle timer, armed when the listener accepted it. */
  private ConnectionIdleTimer idleTimer() {
    if (idleTimer == null) {
      idleTimer = ConnectionIdleTimer.of(ctx.channel());
    }
    return idleTimer;
  }

  private void drainQueue() {
    HttpObject o;
    while ((o = queued.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  // ---------------------------------------------------------------- DownstreamSink

  @Override
  public EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  @Override
  public ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public ChannelFuture write(HttpObject msg) {
    return ctx.writeAndFlush(outbound(msg));
  }

  @Override
  public ChannelFuture writeUnflushed(HttpObject msg) {
    return ctx.write(outbound(msg));
  }

  /** In a tunnel there is no encoder: a body chunk leaves as its bytes. */
  private Object outbound(HttpObject msg) {
    return tunnelling && msg instanceof HttpContent content ? content.content() : msg;
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  /** A void promise: a failed write reaches {@link #exceptionCaught}, which closes. */
  @Override
  public void writeAndForget(HttpObject msg) {
    ctx.writeAndFlush(outbound(msg), ctx.voidPromise());
  }

  /**
   * Takes the HTTP/1 handlers (and the h2c upgrade handler) off the pipeline once the 101 went
   * through them, then keeps reading: the upgraded protocol's bytes go to the stream as they come.
   */
  @Override
  public void startTunnel() {
    tunnelling = true;
    ChannelPipeline pipeline = ctx.pipeline();
    if (pipeline.get(HttpServerUpgradeHandler.class) != null) {
      pipeline.remove(HttpServerUpgradeHandler.class);
    }
    Http1ServerCodecFactory.uninstall(pipeline);
    drainQueue();
    wantMore = true;
    ctx.read();
  }

  @Override
  public Scheduler scheduler() {
    if (scheduler == null) {
      scheduler = new ExecutorScheduler(ctx.executor());
    }
    return scheduler;
  }

  @Override
  public DeadlineTimer routeTimer() {
    if (routeTimer == null) {
      routeTimer = DeadlineTimer.on(ctx.executor(), contexts.get().ticker());
    }
    return routeTimer;
  }

  @Override
  public DeadlineTimer streamIdleTimer() {
    if (streamIdleTimer == null) {
      streamIdleTimer = DeadlineTimer.on(ctx.executor(), contexts.get().ticker());
    }
    return streamIdleTimer;
  }

  @Override
  public void readMore() {
    if (!queued.isEmpty() || closing || closeAfterCurrent) {
      return;
    }
    wantMore = true;
    ctx.read();
  }

  @Override
  public void streamComplete(boolean close) {
    current = null;
    idleTimer().streamEnded();
    wantMore = false;
    if (close || closeAfterCurrent) {
      closing = true;
      drainQueue();
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    // Serve requests that were pipelined behind the one that just finished.
    HttpObject next;
    while (current == null && (next = queued.poll()) != null) {
      if (next instanceof HttpRequest) {
        start(next);
      } else {
        ReferenceCountUtil.release(next);
      }
    }
    while (current != null && !queued.isEmpty() && !(queued.peek() instanceof HttpRequest)) {
      current.onRequestContent((HttpContent) queued.poll());
    }
    if (current == null || (!current.requestComplete() && queued.isEmpty())) {
      ctx.read();
    }
  }

  @Override
  public boolean connectionDraining() {
    return draining;
  }

  /** HTTP/1.1 has nothing to send: the response says {@code connection: close} and closes. */
  @Override
  public void startConnectionDrain(Duration drainTimeout) {
    draining = true;
  }

  @Override
  public void reset() {
    closing = true;
    ctx.close();
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public TlsSession tls() {
    if (tls == null) {
      tls = TlsSession.of(ctx.channel());
    }
    return tls;
  }

  @Override
  public InetSocketAddress remoteAddress() {
    ConnectionProperties properties = ctx.channel().attr(ConnectionProperties.KEY).get();
    return properties != null ? properties.remoteAddress() : directRemoteAddress();
  }

  @Override
  public InetSocketAddress directRemoteAddress() {
    return (InetSocketAddress) ctx.channel().remoteAddress();
  }

  @Override
  public InetSocketAddress localAddress() {
    ConnectionProperties properties = ctx.channel().attr(ConnectionProperties.KEY).get();
    return properties != null
        ? properties.localAddress()
        : (InetSocketAddress) ctx.channel().localAddress();
  }

  @Override
  public boolean localAddressRestored() {
    ConnectionProperties properties = ctx.channel().attr(ConnectionProperties.KEY).get();
    return properties != null && properties.localAddressRestored();
  }
}
