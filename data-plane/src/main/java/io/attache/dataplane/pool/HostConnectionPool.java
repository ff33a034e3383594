package io.attache.dataplane.pool;

import io.netty.util.concurrent.Future;

/**
 * Upstream streams to one host, owned by one event loop. Every method must be called on that event
 * loop; a pool never blocks and never hands a stream to another loop.
 */
public interface HostConnectionPool {
  /** A stream ready for one request, or a failure (connect failure or timeout). */
  Future<UpstreamLease> acquire();

  /** Connections open now (idle or busy). */
  int openConnections();

  /** Closes idle connections now and busy ones when their exchange ends. */
  void drain();

  /**
   * Whether a stream from this pool can carry an HTTP/1.1 upgrade ({@link
   * UpstreamLease#upgradeToRawBytes}): HTTP/1.1 connections can; HTTP/2 streams would need extended
   * CONNECT, which is not built.
   */
  default boolean carriesUpgrades() {
    return false;
  }
}
