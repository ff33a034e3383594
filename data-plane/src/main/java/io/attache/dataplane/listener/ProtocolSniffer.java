package io.attache.dataplane.listener;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code codec_type: AUTO}: reads just enough of a new connection to tell the HTTP/2 connection
 * preface from an HTTP/1.x request line, installs the matching pipeline, and steps aside (the bytes
 * it read are passed on unchanged). Runs on the event loop; holds at most 24 bytes.
 */
final class ProtocolSniffer extends ByteToMessageDecoder {
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private final Consumer<ChannelHandlerContext> http1;
  private final Consumer<ChannelHandlerContext> http2;

  ProtocolSniffer(Consumer<ChannelHandlerContext> http1, Consumer<ChannelHandlerContext> http2) {
    this.http1 = http1;
    this.http2 = http2;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ctx.read(); // added after listener filters ran: the connection is active already
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.read(); // the listener turns AUTO_READ off; the first bytes are ours to ask for
    super.channelActive(ctx);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != PREFACE.getByte(i)) {
        http1.accept(ctx);
        ctx.pipeline().remove(this);
        return;
      }
    }
    if (n == PREFACE.readableBytes()) {
      http2.accept(ctx);
      ctx.pipeline().remove(this);
      return;
    }
    ctx.read(); // a partial preface: need more bytes to decide
  }

  /**
   * A peer that resets or breaks the connection before its first bytes decide anything: closed
   * without a word (Netty would log a stack trace per such connection at the pipeline's tail).
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
