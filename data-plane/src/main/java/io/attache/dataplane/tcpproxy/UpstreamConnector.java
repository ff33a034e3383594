package io.attache.dataplane.tcpproxy;

import io.attache.dataplane.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;

/**
 * Opens the upstream connection of a tcp_proxy session. Production dials a real socket on the
 * downstream connection's event loop; a unit test hands back an embedded channel. The session, not
 * the connector, enforces the connect timeout (on its injected scheduler).
 */
@FunctionalInterface
public interface UpstreamConnector {
  /** Connects to {@code address}; {@code relay} is the new channel's only handler. */
  ChannelFuture connect(Channel downstream, InetSocketAddress address, ChannelHandler relay);

  /**
   * A real TCP connection on the downstream's event loop, reading only when asked, half-closable.
   */
  UpstreamConnector SOCKET =
      (downstream, address, relay) ->
          new Bootstrap()
              .group(downstream.eventLoop())
              .channel(Transports.socketChannel())
              .option(ChannelOption.AUTO_READ, false)
              .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(relay)
              .connect(address);
}
