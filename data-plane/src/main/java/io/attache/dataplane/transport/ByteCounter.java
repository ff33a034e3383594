package io.attache.dataplane.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.function.LongConsumer;

/**
 * Counts the bytes a connection reads and writes where it sits in the pipeline (after TLS, so the
 * counts are of plaintext, as Envoy's {@code *_cx_rx_bytes_total} are). Passes every message on
 * untouched. Runs on the connection's event loop; the consumers must be cheap.
 */
public final class ByteCounter extends ChannelDuplexHandler {
  private final LongConsumer received;
  private final LongConsumer sent;

  public ByteCounter(LongConsumer received, LongConsumer sent) {
    this.received = received;
    this.sent = sent;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long n = size(msg);
    if (n > 0) {
      received.accept(n);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    long n = size(msg);
    if (n > 0) {
      sent.accept(n);
    }
    ctx.write(msg, promise);
  }

  private static long size(Object msg) {
    if (msg instanceof ByteBuf buf) {
      return buf.readableBytes();
    }
    if (msg instanceof ByteBufHolder holder) {
      return holder.content().readableBytes();
    }
    return 0;
  }
}
