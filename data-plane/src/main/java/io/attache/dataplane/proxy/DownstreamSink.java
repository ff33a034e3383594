package io.attache.dataplane.proxy;

import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.Scheduler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpObject;
import java.time.Duration;

/**
 * The downstream side of one stream, as the connection manager sees it: an HTTP/1.1 connection
 * serving one request at a time, or one HTTP/2 stream. All calls happen on {@link #eventLoop()}.
 */
public interface DownstreamSink extends DownstreamConnection {
  EventLoop eventLoop();

  /** Timers for the stream, on {@link #eventLoop()}. */
  Scheduler scheduler();

  ByteBufAllocator alloc();

  /** Writes and flushes one response object. */
  ChannelFuture write(HttpObject msg);

  /**
   * Writes one response object without flushing it: it goes out with the next {@link #flush()} or
   * flushing write, so response headers and the body read in the same upstream batch leave in one
   * send instead of two.
   */
  ChannelFuture writeUnflushed(HttpObject msg);

  /** Flushes what {@link #writeUnflushed} left. */
  void flush();

  /**
   * {@link #write} for a caller that will not look at the outcome: a sink may skip allocating a
   * future. A failed write still ends the stream (the connection's error handling closes it).
   */
  default void writeAndForget(HttpObject msg) {
    write(msg);
  }

  /**
   * The timer for the current stream's route timeout. An HTTP/1.1 connection hands every stream the
   * same one (a connection serves one stream at a time); an HTTP/2 stream has its own.
   */
  DeadlineTimer routeTimer();

  /** The timer for the current stream's idle timeout; shared like {@link #routeTimer()}. */
  DeadlineTimer streamIdleTimer();

  /** Asks for more of the request body (backpressure: called after the previous chunk went out). */
  void readMore();

  /** The stream finished cleanly; {@code close} asks the connection to close after flushing. */
  void streamComplete(boolean close);

  /** Whether the connection has started to drain ({@link #startConnectionDrain}). */
  boolean connectionDraining();

  /**
   * Starts draining the stream's connection (Envoy's connection-manager drain sequence): an
   * HTTP/1.1 connection closes after the current response, which says {@code connection: close}; an
   * HTTP/2 connection gets a GOAWAY naming the highest stream id at once, then, {@code
   * drainTimeout} later, a GOAWAY naming the last stream it took, and closes once those streams are
   * done. Only the first call on a connection does anything.
   */
  void startConnectionDrain(Duration drainTimeout);

  /** Aborts the stream after its response had started (H1: close the connection; H2: RST). */
  void reset();

  /**
   * The response just written switched protocols (a 101 to an accepted upgrade): from now on the
   * connection carries raw bytes both ways, which reach the stream as request body chunks, and the
   * response body written is sent as it is. Only an HTTP/1.1 connection accepts upgrades.
   */
  default void startTunnel() {
    throw new UnsupportedOperationException(protocol() + " streams do not carry upgrades");
  }
}
