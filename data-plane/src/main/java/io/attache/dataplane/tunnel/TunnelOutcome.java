package io.attache.dataplane.tunnel;

import io.netty.channel.Channel;

/** How opening a tunnel ended; told exactly once, on the upstream connection's event loop. */
public interface TunnelOutcome {
  /** The upstream accepted: {@code tunnel} now carries the stream's bytes both ways. */
  void established(Channel tunnel, int status);

  /** No tunnel: {@code status} is the upstream's answer, or 0 when none was read. */
  void refused(int status, String why);
}
