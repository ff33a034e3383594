package io.attache.dataplane.pool;

import io.attache.dataplane.headercase.Http1HeaderCase;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 keep-alive connections to one host on one event loop: one request at a time per
 * connection, idle connections reused newest first. Runs on the event loop; must not block.
 *
 * <p>Every connection keeps one read pending for its whole life (channels run with auto-read off
 * and are read on demand): an idle connection notices a close or stray bytes at once, and a leased
 * one gets its response without re-registering the socket for input — toggling auto-read per lease
 * cost two {@code epoll_ctl} calls per request. The idle timeout is one lazily re-armed timer per
 * connection, not one per return to the pool.
 */
public final class Http1HostPool implements HostConnectionPool {
  static final String CODEC = "http1-client-codec";
  static final String POOL_TAIL = "pool-tail";

  private final EventLoop loop;
  private final InetSocketAddress address;
  private final PoolSettings settings;
  private final PoolListener listener;
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();

  /** Requests waiting for a connection because max_connections forbids opening one. */
  private final ArrayDeque<Promise<UpstreamLease>> waiting = new ArrayDeque<>();

  private int open;
  private boolean draining;

  public Http1HostPool(
      EventLoop loop, InetSocketAddress address, PoolSettings settings, PoolListener listener) {
    this.loop = loop;
    this.address = address;
    this.settings = settings;
    this.listener = listener;
  }

  @Override
  public Future<UpstreamLease> acquire() {
    Promise<UpstreamLease> promise = loop.newPromise();
    Channel ch;
    while ((ch = idle.pollLast()) != null) {
      if (ch.isActive()) {
        return promise.setSuccess(new Lease(ch, true));
      }
    }
    if (!listener.mayOpenConnection(open == 0)) {
      waiting.add(promise); // served by the next connection returned to the pool
      return promise;
    }
    connect(promise);
    return promise;
  }

  private void connect(Promise<UpstreamLease> promise) {
    Bootstrap bootstrap =
        UpstreamBootstraps.on(loop, settings)
            .option(ChannelOption.AUTO_READ, false)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    UpstreamBootstraps.secure(ch, settings, UpstreamProtocol.HTTP1, listener);
                    ch.pipeline().addLast(CODEC, new HttpClientCodec());
                    ch.pipeline()
                        .addLast(
                            Http1HeaderCase.NAME, new Http1HeaderCase(settings.headerKeyFormat()));
                    ch.pipeline().addLast(POOL_TAIL, new PoolTail());
                  }
                });
    Future<Channel> connect = UpstreamBootstraps.connect(bootstrap, address, loop);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            listener.connectFailed(f.cause() instanceof ConnectTimeoutException);
            promise.tryFailure(f.cause());
            return;
          }
          Channel ch = connect.getNow();
          open++;
          listener.connectionOpened(UpstreamProtocol.HTTP1);
          ch.closeFuture()
              .addListener(
                  c -> {
                    open--;
                    idle.remove(ch);
                    listener.connectionClosed(Boolean.TRUE.equals(ch.attr(LOCAL_CLOSE).get()));
                    serveWaiterAfterClose();
                  });
          if (!promise.trySuccess(new Lease(ch, false))) {
            closeLocally(ch);
          }
        });
  }

  private static final AttributeKey<Boolean> LOCAL_CLOSE = AttributeKey.valueOf("attache.local");

  private static void closeLocally(Channel ch) {
    ch.attr(LOCAL_CLOSE).set(Boolean.TRUE);
    ch.close();
  }

  private void returnToPool(Channel ch) {
    PoolTail tail = (PoolTail) ch.pipeline().get(POOL_TAIL);
    boolean spent =
        tail == null
            || (settings.maxRequestsPerConnection() > 0
                && tail.requests >= settings.maxRequestsPerConnection());
    if (draining || spent || !ch.isActive()) {
      closeLocally(ch);
      return;
    }
    Promise<UpstreamLease> waiter;
    while ((waiter = waiting.poll()) != null) {
      if (!waiter.isDone()) {
        waiter.trySuccess(new Lease(ch, true));
        return;
      }
    }
    tail.idleSinceNanos = System.nanoTime();
    idle.addLast(ch);
    // While idle, keep a read pending so a close or stray bytes are noticed before reuse.
    ch.read();
    if (!settings.idleTimeout().isZero() && tail.idleTimer == null) {
      scheduleIdleCheck(ch, tail, settings.idleTimeout().toNanos());
    }
  }

  /**
   * The connection's one idle timer: it fires a timeout after the connection first went idle and,
   * if the connection was used since, re-arms for what is left of the timeout from its last return.
   */
  private void scheduleIdleCheck(Channel ch, PoolTail tail, long delayNanos) {
    tail.idleTimer =
        loop.schedule(
            () -> {
              tail.idleTimer = null;
              if (!idle.contains(ch)) {
                return; // leased: re-armed when it comes back
              }
              long left =
                  settings.idleTimeout().toNanos() - (System.nanoTime() - tail.idleSinceNanos);
              if (left > 0) {
                scheduleIdleCheck(ch, tail, left);
              } else if (idle.remove(ch)) {
                closeLocally(ch);
              }
            },
            delayNanos,
            TimeUnit.NANOSECONDS);
  }

  private void serveWaiterAfterClose() {
    Promise<UpstreamLease> waiter;
    while ((waiter = waiting.poll()) != null) {
      if (!waiter.isDone()) {
        if (listener.mayOpenConnection(open == 0)) {
          connect(waiter);
        } else {
          waiting.addFirst(waiter);
        }
        return;
      }
    }
  }

  @Override
  public boolean carriesUpgrades() {
    return true;
  }

  @Override
  public int openConnections() {
    return open;
  }

  @Override
  public void drain() {
    draining = true;
    Channel ch;
    while ((ch = idle.pollFirst()) != null) {
      closeLocally(ch);
    }
  }

  /**
   * Sits after the codec for the connection's life. While leased it hands every inbound event to
   * the borrower's handler ({@link Lease#attach}: no pipeline change per request); while idle,
   * anything the upstream sends ends the connection.
   */
  private static final class PoolTail extends ChannelInboundHandlerAdapter {
    boolean leased;
    ChannelInboundHandler borrower;
    long requests;
    long idleSinceNanos;
    ScheduledFuture<?> idleTimer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (borrower != null) {
        borrower.channelRead(ctx, msg);
        return;
      }
      ReferenceCountUtil.release(msg);
      if (!leased) {
        closeLocally(ctx.channel());
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
      if (borrower != null) {
        borrower.channelReadComplete(ctx);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (idleTimer != null) {
        idleTimer.cancel(false);
        idleTimer = null;
      }
      if (borrower != null) {
        borrower.channelInactive(ctx);
        return;
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
      if (borrower != null) {
        borrower.exceptionCaught(ctx, cause);
        return;
      }
      ctx.close();
    }
  }

  private final class Lease implements UpstreamLease {
    private final Channel ch;
    private final boolean reused;
    private boolean released;
    private boolean upgraded;

    Lease(Channel ch, boolean reused) {
      this.ch = ch;
      this.reused = reused;
      PoolTail tail = (PoolTail) ch.pipeline().get(POOL_TAIL);
      tail.leased = true;
      tail.requests++;
    }

    @Override
    public Channel channel() {
      return ch;
    }

    @Override
    public boolean reused() {
      return reused;
    }

    @Override
    public void attach(ChannelInboundHandler handler) {
      PoolTail tail = (PoolTail) ch.pipeline().get(POOL_TAIL);
      if (tail == null) {
        UpstreamLease.super.attach(handler); // closed and torn down: the handler sees inactive
        return;
      }
      tail.borrower = handler;
    }

    @Override
    public void upgradeToRawBytes() {
      upgraded = true;
      if (ch.pipeline().get(CODEC) != null) {
        ch.pipeline().remove(CODEC); // bytes the codec held after the 101 go on to the borrower
      }
      if (ch.pipeline().get(Http1HeaderCase.NAME) != null) {
        ch.pipeline().remove(Http1HeaderCase.NAME);
      }
    }

    @Override
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      reusable = reusable && !upgraded;
      // Whatever the borrower left behind the pool's tail goes with the lease.
      PoolTail tail = (PoolTail) ch.pipeline().get(POOL_TAIL);
      if (tail != null) {
        tail.leased = false;
        tail.borrower = null;
      }
      if (reusable) {
        returnToPool(ch);
      } else {
        closeLocally(ch);
      }
    }
  }
}
