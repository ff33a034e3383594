package io.attache.dataplane.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandler;

/**
 * One borrowed upstream stream: a channel whose pipeline reads and writes Netty {@code HttpObject}s
 * (an HTTP/1.1 connection, or one HTTP/2 stream channel). The borrower installs its handler, writes
 * one request, and returns the lease exactly once through {@link #release}.
 */
public interface UpstreamLease {
  /** The channel to write the request to and read the response from. */
  Channel channel();

  /**
   * Routes the channel's inbound events (reads, read-complete, inactive, exceptions) to {@code
   * handler} until {@link #release}. A pool may do this without touching the pipeline; the default
   * appends the handler to it.
   */
  default void attach(ChannelInboundHandler handler) {
    channel().pipeline().addLast(handler);
  }

  /**
   * The upstream answered 101 to an upgrade: takes the HTTP codec off the connection so raw bytes
   * flow both ways, and takes the connection out of the pool's reach for good (its release closes
   * it). Only an HTTP/1.1 lease can.
   */
  default void upgradeToRawBytes() {
    throw new UnsupportedOperationException("this upstream stream cannot leave HTTP");
  }

  /** True when this lease came from an already open connection. */
  boolean reused();

  /**
   * Returns the stream to the pool. {@code reusable} is false when the exchange did not finish
   * cleanly (reset, timeout, {@code connection: close}); the pool then closes the connection.
   */
  void release(boolean reusable);
}
