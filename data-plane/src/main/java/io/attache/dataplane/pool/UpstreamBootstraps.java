package io.attache.dataplane.pool;

import io.attache.dataplane.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;

/**
 * The one way pools open upstream sockets: on the caller's event loop, with the cluster's connect
 * timeout and Nagle off. Holds no state.
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
}
