package io.attache.dataplane.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Multiplexed HTTP/2 connections (prior knowledge in cleartext, or over the cluster's TLS) to one
 * host on one event loop. Each lease is one stream channel speaking {@code HttpObject}s; a new
 * connection is opened only when every open one has reached its stream limit. Runs on the event
 * loop; must not block.
 */
public final class Http2HostPool implements HostConnectionPool {
  static final String STREAM_CODEC = "http2-stream-codec";

  private final EventLoop loop;
  private final InetSocketAddress address;
  private final PoolSettings settings;
  private final PoolListener listener;
  private final List<Connection> connections = new ArrayList<>();
  private boolean draining;

  public Http2HostPool(
      EventLoop loop, InetSocketAddress address, PoolSettings settings, PoolListener listener) {
    this.loop = loop;
    this.address = address;
    this.settings = settings;
    this.listener = listener;
  }

  @Override
  public Future<UpstreamLease> acquire() {
    Promise<UpstreamLease> promise = loop.newPromise();
    for (Connection c : connections) {
      if (c.hasCapacity()) {
        c.openStream(promise);
        return promise;
      }
    }
    if (!connections.isEmpty() && !listener.mayOpenConnection(false)) {
      // max_connections reached: multiplex onto the least busy connection instead.
      Connection least = connections.get(0);
      for (Connection c : connections) {
        if (c.activeStreams < least.activeStreams) {
          least = c;
        }
      }
      least.openStream(promise);
      return promise;
    }
    if (connections.isEmpty()) {
      listener.mayOpenConnection(true);
    }
    Connection c = new Connection();
    connections.add(c);
    c.connect(promise);
    return promise;
  }

  @Override
  public int openConnections() {
    return connections.size();
  }

  @Override
  public void drain() {
    draining = true;
    for (Connection c : List.copyOf(connections)) {
      if (c.activeStreams == 0) {
        c.closeLocally();
      }
    }
  }

  /** One HTTP/2 connection and the promises waiting for it to come up. */
  private final class Connection {
    private Channel parent;
    private Http2FrameCodec codec;
    private final List<Promise<UpstreamLease>> waiting = new ArrayList<>();
    private int activeStreams;
    private boolean localClose;
    private ScheduledFuture<?> idleTimer;

    boolean hasCapacity() {
      if (draining) {
        return false;
      }
      if (parent == null) {
        return waiting.size() + activeStreams < settings.maxConcurrentStreams();
      }
      if (!parent.isActive() || codec.connection().goAwayReceived()) {
        return false;
      }
      int remoteLimit = codec.connection().local().maxActiveStreams();
      int limit = Math.min(settings.maxConcurrentStreams(), remoteLimit);
      return activeStreams < limit;
    }

    void connect(Promise<UpstreamLease> first) {
      waiting.add(first);
      codec =
          Http2FrameCodecBuilder.forClient()
              .initialSettings(Http2Settings.defaultSettings().pushEnabled(false))
              .build();
      Bootstrap bootstrap =
          UpstreamBootstraps.on(loop, settings)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      UpstreamBootstraps.secure(ch, settings, UpstreamProtocol.HTTP2, listener);
                      ch.pipeline()
                          .addLast(codec, new Http2MultiplexHandler(new RefuseInboundStreams()));
                    }
                  });
      Future<Channel> connect = UpstreamBootstraps.connect(bootstrap, address, loop);
      connect.addListener(
          f -> {
            if (!f.isSuccess()) {
              connections.remove(this);
              listener.connectFailed(f.cause() instanceof ConnectTimeoutException);
              for (Promise<UpstreamLease> p : waiting) {
                p.tryFailure(f.cause());
              }
              waiting.clear();
              return;
            }
            parent = connect.getNow();
            listener.connectionOpened(UpstreamProtocol.HTTP2);
            parent
                .closeFuture()
                .addListener(
                    c -> {
                      connections.remove(this);
                      cancelIdleTimer();
                      listener.connectionClosed(localClose);
                    });
            List<Promise<UpstreamLease>> ready = List.copyOf(waiting);
            waiting.clear();
            for (Promise<UpstreamLease> p : ready) {
              openStream(p);
            }
          });
    }

    void openStream(Promise<UpstreamLease> promise) {
      if (parent == null) {
        waiting.add(promise);
        return;
      }
      activeStreams++;
      cancelIdleTimer();
      new Http2StreamChannelBootstrap(parent)
          .option(ChannelOption.AUTO_READ, false)
          .handler(
              new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel ch) {
                  // Outbound, the codec's frames pass ForwardedScheme on their way out.
                  ch.pipeline().addLast(ForwardedScheme.INSTANCE);
                  ch.pipeline().addLast(STREAM_CODEC, new Http2StreamFrameToHttpObjectCodec(false));
                }
              })
          .open()
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  if (!promise.trySuccess(new StreamLease((Http2StreamChannel) f.getNow(), this))) {
                    ((Channel) f.getNow()).close();
                    streamEnded();
                  }
                } else {
                  streamEnded();
                  promise.tryFailure(f.cause());
                }
              });
    }

    void streamEnded() {
      activeStreams--;
      if (activeStreams == 0) {
        if (draining) {
          closeLocally();
        } else if (!settings.idleTimeout().isZero() && parent != null) {
          idleTimer =
              loop.schedule(
                  () -> {
                    if (activeStreams == 0) {
                      closeLocally();
                    }
                  },
                  settings.idleTimeout().toNanos(),
                  TimeUnit.NANOSECONDS);
        }
      }
    }

    void cancelIdleTimer() {
      if (idleTimer != null) {
        idleTimer.cancel(false);
        idleTimer = null;
      }
    }

    void closeLocally() {
      localClose = true;
      if (parent != null) {
        parent.close();
      }
    }
  }

  private static final class StreamLease implements UpstreamLease {
    private final Http2StreamChannel stream;
    private final Connection connection;
    private boolean released;

    StreamLease(Http2StreamChannel stream, Connection connection) {
      this.stream = stream;
      this.connection = connection;
    }

    @Override
    public Channel channel() {
      return stream;
    }

    @Override
    public boolean reused() {
      return connection.activeStreams > 1 || stream.stream().id() > 3;
    }

    @Override
    public void release(boolean reusable) {
      if (released) {
        return;
      }
      released = true;
      // Closing a stream channel that has not seen both end-of-streams sends RST_STREAM.
      stream.close();
      connection.streamEnded();
    }
  }

  /** Upstreams must not open streams towards the proxy (push is disabled); refuse any that come. */
  private static final class RefuseInboundStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }
}
