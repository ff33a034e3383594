package io.attache.dataplane.listenerfilter;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * How {@code original_dst} learns where a redirected connection was going: {@link
 * SocketOriginalDestination} asks the kernel ({@code getsockopt(SO_ORIGINAL_DST)} on a socket that
 * iptables REDIRECTed); {@link #SOCKET_LOCAL_ADDRESS} is what Envoy sees for a connection that was
 * not redirected: the socket's own local address. Tests plug in their own. Must not block.
 */
@FunctionalInterface
public interface OriginalDestination {
  /** The original destination of {@code accepted}, or empty to keep its local address. */
  Optional<InetSocketAddress> lookup(Channel accepted);

  OriginalDestination SOCKET_LOCAL_ADDRESS = accepted -> Optional.empty();
}
