package io.attache.dataplane.pool;

/**
 * Connection lifecycle events a pool reports, so cluster and host stats (upstream_cx_*) can be kept
 * by their owner. Called on the event loop; implementations must be cheap and never block.
 */
public interface PoolListener {
  PoolListener NONE = new PoolListener() {};

  /**
   * Asks before a new connection is opened ({@code max_connections}); {@code poolIsEmpty} lets the
   * first connection of a pool through even over the limit, as Envoy does. A true answer takes a
   * connection slot that {@link #connectionClosed} or {@link #connectFailed} gives back.
   */
  default boolean mayOpenConnection(boolean poolIsEmpty) {
    return true;
  }

  default void connectionOpened(UpstreamProtocol protocol) {}

  default void connectFailed(boolean timedOut) {}

  default void connectionClosed(boolean localClose) {}

  /** TCP established, {@code millis} after the connect began. */
  default void connectTime(long millis) {}

  /** An established connection closed, {@code millis} after its connect began. */
  default void connectionLength(long millis) {}

  /** Plaintext bytes written to a connection. */
  default void bytesSent(long bytes) {}

  /** Plaintext bytes read from a connection. */
  default void bytesReceived(long bytes) {}
}
