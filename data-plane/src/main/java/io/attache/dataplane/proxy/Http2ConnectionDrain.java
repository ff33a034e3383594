package io.attache.dataplane.proxy;

import io.attache.dataplane.time.Scheduler;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.AttributeKey;
import java.time.Duration;

/**
 * The drain sequence of one downstream HTTP/2 connection, as Envoy's connection manager runs it: a
 * first GOAWAY naming the highest possible stream id (the client should open no new stream, and
 * streams already on the wire are still served), then, after the HCM's {@code drain_timeout}, the
 * final GOAWAY naming the last stream the connection took, and a close that waits for the streams
 * still open. Marked on the connection channel so all its streams see it; runs on its event loop.
 * Never resets a stream.
 */
final class Http2ConnectionDrain {
  private static final AttributeKey<Boolean> STARTED =
      AttributeKey.valueOf(Http2ConnectionDrain.class, "started");

  private Http2ConnectionDrain() {}

  static boolean started(Channel connection) {
    return connection.hasAttr(STARTED);
  }

  /** Starts the sequence once per connection; later calls do nothing. */
  static void start(Channel connection, Duration drainTimeout, Scheduler scheduler) {
    if (connection.attr(STARTED).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    // extraStreamIds past the last stream: the codec caps the id at 2^31-1, Envoy's shutdown
    // notice.
    connection.writeAndFlush(
        new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR).setExtraStreamIds(Integer.MAX_VALUE));
    scheduler.schedule(
        drainTimeout,
        () -> {
          if (!connection.isActive()) {
            return;
          }
          // The last stream created; close() then waits for the open ones (the codec's graceful
          // shutdown) instead of sending a GOAWAY of its own.
          connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
          connection.close();
        });
  }
}
