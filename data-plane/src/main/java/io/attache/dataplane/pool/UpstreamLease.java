package io.attache.dataplane.pool;

import io.netty.channel.Channel;

/**
 * One borrowed upstream stream: a channel whose pipeline reads and writes Netty {@code HttpObject}s
 * (an HTTP/1.1 connection, or one HTTP/2 stream channel). The borrower installs its handler, writes
 * one request, and returns the lease exactly once through {@link #release}.
 */
public interface UpstreamLease {
  /** The channel to write the request to; the borrower adds its handler at the pipeline's end. */
  Channel channel();

  /** True when this lease came from an already open connection. */
  boolean reused();

  /**
   * Returns the stream to the pool. {@code reusable} is false when the exchange did not finish
   * cleanly (reset, timeout, {@code connection: close}); the pool then closes the connection.
   */
  void release(boolean reusable);
}
