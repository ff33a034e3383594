package io.attache.dataplane.pool;

import io.attache.dataplane.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;

/**
 * The one way pools open upstream sockets: on the caller's event loop, with the cluster's connect
 * timeout and Nagle off, secured by the cluster's transport (TLS or plaintext) before the pool sees
 * the connection. Holds no state.
 */
final class UpstreamBootstraps {
  private UpstreamBootstraps() {}

  static Bootstrap on(EventLoop loop, PoolSettings settings) {
    return new Bootstrap()
        .group(loop)
        .channel(Transports.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()));
  }

  private static final AttributeKey<ChannelFuture> SECURED =
      AttributeKey.valueOf("attache.secured");

  /**
   * Puts the transport's handlers on a new connection, then the listener's timing and byte counting
   * after them; call first in the pool's channel initializer, before the pool adds its codec.
   */
  static void secure(
      Channel ch, PoolSettings settings, UpstreamProtocol protocol, PoolListener listener) {
    ch.attr(SECURED).set(settings.transport().secure(ch, protocol));
    ConnectionObserver.install(ch, listener);
  }

  /**
   * Connects and completes once the connection is ready for HTTP: TCP connected and, for TLS, the
   * handshake done. A failed handshake closes the socket and fails the future like a failed
   * connect.
   */
  static Future<Channel> connect(Bootstrap bootstrap, InetSocketAddress address, EventLoop loop) {
    Promise<Channel> ready = loop.newPromise();
    ChannelFuture connect = bootstrap.connect(address);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            ready.tryFailure(f.cause());
            return;
          }
          Channel ch = connect.channel();
          ChannelFuture secured = ch.attr(SECURED).get();
          if (secured == null) {
            ready.trySuccess(ch);
            return;
          }
          secured.addListener(
              s -> {
                if (s.isSuccess()) {
                  ready.trySuccess(ch);
                } else {
                  ch.close();
                  ready.tryFailure(s.cause());
                }
              });
        });
    return ready;
  }
}
