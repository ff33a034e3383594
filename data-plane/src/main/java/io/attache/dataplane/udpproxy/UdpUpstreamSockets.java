package io.attache.dataplane.udpproxy;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;

/**
 * Opens the upstream socket of one UDP session: production binds a real datagram socket to an
 * ephemeral port on the listener's event loop; a unit test hands back an embedded channel.
 */
@FunctionalInterface
public interface UdpUpstreamSockets {
  /**
   * A socket for datagrams to {@code upstream}; {@code handler} is its only handler and receives
   * every {@code DatagramPacket} that arrives on it.
   */
  ChannelFuture open(InetSocketAddress upstream, ChannelHandler handler);
}
