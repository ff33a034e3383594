package io.attache.dataplane.healthcheck;

import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.host.Host;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

/**
 * Opens probe sockets the way the rest of the proxy does (epoll when available); holds no state.
 */
final class ProbeChannels {
  private ProbeChannels() {}

  static InetSocketAddress target(Host host, HealthCheckConfig config) {
    return config.altPort().isPresent()
        ? new InetSocketAddress(host.address().getAddress(), config.altPort().getAsInt())
        : host.address();
  }

  static ChannelFuture connect(
      EventLoopGroup group,
      InetSocketAddress address,
      HealthCheckConfig config,
      Supplier<ChannelHandler[]> handlers) {
    return new Bootstrap()
        .group(group)
        .channel(Transports.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeout().toMillis())))
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(handlers.get());
              }
            })
        .connect(address);
  }
}
