package io.attache.dataplane.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * Raw TCP connections to one host on one event loop, for a CONNECT the router terminates (Envoy's
 * TCP connection pool behind its {@code TcpUpstream}): one new connection per lease, carrying the
 * tunnel's bytes as they are, closed when the lease is returned — never reused, since a tunnel's
 * end leaves nothing a second one could trust. Reads only when asked, so the borrower's
 * backpressure holds. Runs on the event loop; must not block.
 */
public final class TcpHostPool implements HostConnectionPool {
  private final EventLoop loop;
  private final InetSocketAddress address;
  private final PoolSettings settings;
  private final PoolListener listener;
  private final Set<Channel> open = new HashSet<>();

  public TcpHostPool(
      EventLoop loop, InetSocketAddress address, PoolSettings settings, PoolListener listener) {
    this.loop = loop;
    this.address = address;
    this.settings = settings;
    this.listener = listener;
  }

  @Override
  public Future<UpstreamLease> acquire() {
    Promise<UpstreamLease> promise = loop.newPromise();
    if (!listener.mayOpenConnection(open.isEmpty())) {
      return promise.setFailure(
          new IllegalStateException("the cluster's max_connections circuit breaker is full"));
    }
    Bootstrap bootstrap =
        UpstreamBootstraps.on(loop, settings)
            .option(ChannelOption.AUTO_READ, false)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    UpstreamBootstraps.secure(ch, settings, UpstreamProtocol.TCP, listener);
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
          open.add(ch);
          listener.connectionOpened(UpstreamProtocol.TCP);
          ch.closeFuture()
              .addListener(
                  c -> {
                    open.remove(ch);
                    listener.connectionClosed(Boolean.TRUE.equals(ch.attr(LOCAL_CLOSE).get()));
                  });
          if (!promise.trySuccess(new Lease(ch))) {
            closeLocally(ch);
          }
        });
    return promise;
  }

  private static final AttributeKey<Boolean> LOCAL_CLOSE =
      AttributeKey.valueOf("attache.tcp.local");

  private static void closeLocally(Channel ch) {
    ch.attr(LOCAL_CLOSE).set(Boolean.TRUE);
    ch.close();
  }

  @Override
  public int openConnections() {
    return open.size();
  }

  /** Nothing idle to close: each connection is a live tunnel and closes with its lease. */
  @Override
  public void drain() {}

  private record Lease(Channel channel) implements UpstreamLease {
    @Override
    public boolean reused() {
      return false;
    }

    @Override
    public void release(boolean reusable) {
      if (channel.isOpen()) {
        closeLocally(channel);
      }
    }
  }
}
