package io.attache.dataplane.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/**
 * What an upstream connection runs over: plaintext, or TLS per the cluster's {@code
 * transport_socket}. Called on the connection's event loop; must not block.
 */
public interface UpstreamTransport {
  UpstreamTransport PLAINTEXT = (ch, protocol) -> ch.newSucceededFuture();

  /**
   * Puts the transport's handlers at the head of a new connection's pipeline, before the pool adds
   * its codec. The returned future completes once HTTP of {@code protocol} may flow (at once for
   * plaintext; after the TLS handshake and ALPN check for TLS) and fails when it never will.
   */
  ChannelFuture secure(Channel ch, UpstreamProtocol protocol);
}
