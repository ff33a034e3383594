package io.attache.dataplane.filter.router;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;

/**
 * The one operation a tunnel's upstream side needs beyond writing bytes: ending the client's
 * direction alone. Stateless; never closes the upstream's direction.
 */
final class TunnelBytes {
  private TunnelBytes() {}

  /** Sends FIN after what was written (TCP half-close); the upstream may keep sending. */
  static void halfClose(Channel up) {
    if (up instanceof DuplexChannel duplex && duplex.isActive()) {
      duplex.shutdownOutput();
    }
  }
}
