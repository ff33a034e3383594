package io.attache.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Writes the Envoy-style local reply for a refused request ({@code content-type: text/plain}, the
 * reason phrase as body, {@code connection: close}), counts it, and closes the connection once the
 * reply is flushed: after a framing error nothing later on the connection can be trusted. Must be
 * called on the channel's event loop, from a handler on the HTTP side of the codec.
 */
public final class LocalReply {
  private LocalReply() {}

  /** The reply for {@code reason}, for callers (and tests) that want to look before sending. */
  public static FullHttpResponse responseFor(RejectReason reason) {
    byte[] body = reason.body().getBytes(StandardCharsets.UTF_8);
    ByteBuf content = Unpooled.wrappedBuffer(body);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reason.status(), content);
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    if (body.length > 0) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
    }
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }

  /** Sends the reply, counts it in {@code stats}, and closes once it is flushed. */
  public static ChannelFuture sendAndClose(
      ChannelHandlerContext ctx, RejectReason reason, Http1Stats stats) {
    stats.recordRejection(reason);
    return ctx.writeAndFlush(responseFor(reason)).addListener(ChannelFutureListener.CLOSE);
  }
}
