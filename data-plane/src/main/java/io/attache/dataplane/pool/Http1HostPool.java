package io.attache.dataplane.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
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
 */
public final class Http1HostPool implements HostConnectionPool {
  static final String CODEC = "http1-client-codec";
  static final String IDLE_SENTINEL = "idle-sentinel";

  /** The TLS handler's name; it stays for the life of the connection. */
  static final String TLS = "tls";

  private static final AttributeKey<Long> REQUESTS = AttributeKey.valueOf("attache.requests");

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
        ch.pipeline().remove(IDLE_SENTINEL);
        ch.config().setAutoRead(false);
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
                    UpstreamBootstraps.secure(ch, settings, UpstreamProtocol.HTTP1);
                    ch.pipeline().addLast(CODEC, new HttpClientCodec());
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
    long served = ch.attr(REQUESTS).get() == null ? 0 : ch.attr(REQUESTS).get();
    boolean spent =
        settings.maxRequestsPerConnection() > 0 && served >= settings.maxRequestsPerConnection();
    if (draining || spent || !ch.isActive()) {
      closeLocally(ch);
      return;
    }
    Promise<UpstreamLease> waiter;
    while ((waiter = waiting.poll()) != null) {
      if (!waiter.isDone()) {
        ch.config().setAutoRead(false);
        waiter.trySuccess(new Lease(ch, true));
        return;
      }
    }
    // While idle, read so a close or stray bytes from the upstream are noticed before reuse.
    ch.pipeline().addLast(IDLE_SENTINEL, new IdleSentinel());
    ch.config().setAutoRead(true);
    idle.addLast(ch);
    if (!settings.idleTimeout().isZero()) {
      ScheduledFuture<?> timer =
          loop.schedule(
              () -> {
                if (idle.remove(ch)) {
                  closeLocally(ch);
                }
              },
              settings.idleTimeout().toNanos(),
              TimeUnit.NANOSECONDS);
      ch.pipeline().get(IdleSentinel.class).timer = timer;
    }
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

  /** Sits at the end of an idle connection: anything the upstream sends now ends it. */
  private static final class IdleSentinel extends ChannelInboundHandlerAdapter {
    ScheduledFuture<?> timer;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      closeLocally(ctx.channel());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (timer != null) {
        timer.cancel(false);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private final class Lease implements UpstreamLease {
    private final Channel ch;
    private final boolean reused;
    private boolean released;

    Lease(Channel ch, boolean reused) {
      this.ch = ch;
      this.reused = reused;
      Long served = ch.attr(REQUESTS).get();
      ch.attr(REQUESTS).set(served == null ? 1 : served + 1);
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
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      for (String name : ch.pipeline().names()) {
        if (!name.equals(CODEC)
            && !name.equals(TLS)
            && ch.pipeline().get(name) != null
            && !name.startsWith("DefaultChannelPipeline$TailContext")) {
          ch.pipeline().remove(name);
        }
      }
      if (reusable) {
        returnToPool(ch);
      } else {
        closeLocally(ch);
      }
    }
  }
}
