package io.attache.dataplane.pool;

/**
 * Connection lifecycle events a pool reports, so cluster and host stats (upstream_cx_*) can be kept
 * by their owner. Called on the event loop; implementations must be cheap and never block.
 */
public interface PoolListener {
  PoolListener NONE = new PoolListener() {};

  default void connectionOpened(UpstreamProtocol protocol) {}

  default void connectFailed(boolean timedOut) {}

  default void connectionClosed(boolean localClose) {}

  default void bytesSent(long bytes) {}

  default void bytesReceived(long bytes) {}
}
