package io.attache.dataplane.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-written stand-in for the proxy's stream handler: records every request, body and event it
 * receives, and (when {@code autoRespond}) answers each complete request with a 200 whose body
 * echoes the method, target, Host and request body.
 */
final class RecordingStreamHandler extends ChannelInboundHandlerAdapter {
  final List<HttpRequest> requests = new ArrayList<>();
  final List<String> bodies = new ArrayList<>();
  final List<Object> events = new ArrayList<>();
  final List<LastHttpContent> lastContents = new ArrayList<>();
  private final boolean autoRespond;
  private final StringBuilder body = new StringBuilder();
  private ChannelHandlerContext ctx;

  RecordingStreamHandler(boolean autoRespond) {
    this.autoRespond = autoRespond;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      requests.add(request);
      body.setLength(0);
    }
    if (msg instanceof HttpContent content) {
      body.append(content.content().toString(StandardCharsets.ISO_8859_1));
      if (msg instanceof LastHttpContent last) {
        lastContents.add(last);
        bodies.add(body.toString());
        if (autoRespond) {
          respond(200);
        }
      }
      content.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    events.add(evt);
  }

  /** Answers the latest request, as an asynchronous proxy would once upstream replied. */
  void respond(int status) {
    HttpRequest request = requests.get(requests.size() - 1);
    String text =
        request.method()
            + " "
            + request.uri()
            + " host="
            + request.headers().get(HttpHeaderNames.HOST)
            + " body="
            + bodies.get(bodies.size() - 1);
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            Unpooled.wrappedBuffer(bytes));
    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    ctx.writeAndFlush(response);
  }
}
