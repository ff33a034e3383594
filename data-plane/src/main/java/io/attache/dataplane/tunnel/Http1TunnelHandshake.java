package io.attache.dataplane.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Opens a tunnel on a fresh HTTP/1.1 upstream connection: writes the CONNECT (or POST) head, reads
 * the response head, and on a 2xx (RFC 9110 §9.3.6: any 2xx establishes a CONNECT tunnel; its
 * content-length and transfer-encoding mean nothing) steps out of the pipeline so the bytes after
 * the head reach the next handler raw. Anything else — another status, a head over {@link
 * #MAX_HEAD_BYTES}, a malformed status line, the connection closing first — is reported as refused.
 * Runs on the connection's event loop; reads only as much as it must (the channel does not
 * auto-read) and reports exactly once.
 */
public final class Http1TunnelHandshake extends ChannelInboundHandlerAdapter {
  /** Envoy's default {@code max_response_headers_kb} is 60. */
  static final int MAX_HEAD_BYTES = 60 * 1024;

  private final TunnelRequest request;
  private final TunnelOutcome outcome;
  private ByteBuf head;
  private boolean reported;

  public Http1TunnelHandshake(TunnelRequest request, TunnelOutcome outcome) {
    this.request = request;
    this.outcome = outcome;
  }

  /** Sends the request head and asks for the response. */
  private void start(ChannelHandlerContext ctx) {
    head = ctx.alloc().buffer(256);
    ctx.writeAndFlush(Unpooled.wrappedBuffer(request.http1Head()))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                refuse(ctx, 0, "writing the request failed: " + f.cause());
              }
            });
    ctx.read();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (reported || !(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      head.writeBytes(buf);
    } finally {
      buf.release();
    }
    int end = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(CRLF_CRLF), head);
    if (end < 0) {
      if (head.readableBytes() > MAX_HEAD_BYTES) {
        refuse(ctx, 0, "response head larger than " + MAX_HEAD_BYTES + " bytes");
      } else {
        ctx.read();
      }
      return;
    }
    int headLength = end + CRLF_CRLF.length;
    if (headLength > MAX_HEAD_BYTES) {
      refuse(ctx, 0, "response head larger than " + MAX_HEAD_BYTES + " bytes");
      return;
    }
    int status = statusOf(head.toString(0, headLength, StandardCharsets.ISO_8859_1));
    if (status < 200 || status > 299) {
      refuse(ctx, status, status == 0 ? "malformed status line" : "status " + status);
      return;
    }
    reported = true;
    ByteBuf rest = head.retainedSlice(headLength, head.readableBytes() - headLength);
    head.release();
    head = null;
    ctx.pipeline().remove(this);
    outcome.established(ctx.channel(), status);
    if (rest.isReadable()) {
      ctx.fireChannelRead(rest);
    } else {
      rest.release();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    refuse(ctx, 0, "connection closed before the response head");
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    refuse(ctx, 0, cause.toString());
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (head != null) {
      head.release();
      head = null;
    }
  }

  private void refuse(ChannelHandlerContext ctx, int status, String why) {
    if (reported) {
      return;
    }
    reported = true;
    outcome.refused(status, why);
    ctx.close();
  }

  /** The status code of an {@code HTTP/1.x SSS reason} line; 0 when it is not one. */
  static int statusOf(String head) {
    int lineEnd = head.indexOf("\r\n");
    String line = lineEnd < 0 ? head : head.substring(0, lineEnd);
    if (!(line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 ")) || line.length() < 12) {
      return 0;
    }
    String code = line.substring(9, 12);
    if (line.length() > 12 && line.charAt(12) != ' ') {
      return 0;
    }
    for (int i = 0; i < 3; i++) {
      if (!Character.isDigit(code.charAt(i))) {
        return 0;
      }
    }
    return Integer.parseInt(code);
  }

  private static final byte[] CRLF_CRLF = {'\r', '\n', '\r', '\n'};
}
