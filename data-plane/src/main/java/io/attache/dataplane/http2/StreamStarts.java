package io.attache.dataplane.http2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.util.ArrayDeque;

/**
 * Starts the streams whose request headers came in one read of an HTTP/2 connection once that read
 * is over, instead of in the middle of it: a client that resets a stream in the same burst as its
 * headers (rapid reset) has closed it before anything was sent upstream. For every other client it
 * changes nothing but the moment within the same event-loop turn. Sits at the end of the
 * connection's pipeline; runs on its event loop; never blocks.
 */
public final class StreamStarts extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<StreamStarts> KEY = AttributeKey.valueOf("attache.h2-starts");

  private final ArrayDeque<Runnable> pending = new ArrayDeque<>();

  /**
   * Runs {@code start} once the current read of {@code stream}'s connection is over, or at once
   * when the connection has no {@link StreamStarts}.
   */
  public static void afterRead(Channel stream, Runnable start) {
    Channel connection = stream.parent();
    StreamStarts starts = connection == null ? null : connection.attr(KEY).get();
    if (starts == null) {
      start.run();
    } else {
      starts.pending.add(start);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().attr(KEY).set(this);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    runPending();
    ctx.fireChannelReadComplete();
  }

  /** The connection went away mid-read: each stream's start finds it closed and cleans up. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    runPending();
    ctx.fireChannelInactive();
  }

  private void runPending() {
    Runnable start;
    while ((start = pending.poll()) != null) {
      start.run();
    }
  }
}
