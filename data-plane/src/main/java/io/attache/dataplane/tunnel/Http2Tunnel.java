package io.attache.dataplane.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;

/**
 * Opens a tunnel as one HTTP/2 stream on a fresh connection (prior knowledge): {@code CONNECT} with
 * only {@code :authority} (RFC 9113 §8.5), or {@code POST} with {@code :scheme} and {@code :path},
 * plus the configured headers. A 200 (and, as in Envoy, only a 200) opens it; then the stream's
 * DATA frames reach the relay as bytes, its end as an input shutdown, and the relay's bytes go out
 * as DATA frames ({@link #shutdownOutput} ends the stream). HTTP/2 flow control is the
 * backpressure: the stream's window opens only as the relay reads. The connection closes with its
 * stream. Runs on the connection's event loop and reports exactly once.
 */
public final class Http2Tunnel {
  private Http2Tunnel() {}

  /**
   * Puts the HTTP/2 codec on {@code connection} (already connected) and opens the tunnel's stream,
   * with {@code relay} after the frame adapter in the stream's pipeline.
   */
  public static void open(
      Channel connection,
      TunnelRequest request,
      boolean secure,
      ChannelHandler relay,
      TunnelOutcome outcome) {
    // The codec first: the multiplexer looks for it when it is added.
    Http2FrameCodec codec = Http2FrameCodecBuilder.forClient().build();
    connection.pipeline().addFirst(codec);
    connection
        .pipeline()
        .addAfter(
            connection.pipeline().context(codec).name(),
            null,
            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
    connection.config().setAutoRead(true); // the stream windows hold the data back, not the socket
    StreamAdapter adapter = new StreamAdapter(request, secure, outcome);
    new Http2StreamChannelBootstrap(connection)
        .handler(
            new io.netty.channel.ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel stream) {
                stream.config().setAutoRead(false);
                stream.pipeline().addLast(adapter, relay);
              }
            })
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                adapter.refuse(0, "opening the stream failed: " + f.cause());
                connection.close();
                return;
              }
              Channel stream = (Channel) f.getNow();
              stream.closeFuture().addListener(c -> connection.close());
            });
  }

  /** Ends the tunnel's sending side: an empty DATA frame with END_STREAM after what was written. */
  public static void shutdownOutput(Channel stream) {
    stream.writeAndFlush(new DefaultHttp2DataFrame(true));
  }

  /**
   * Whether {@code channel} is a tunnel's HTTP/2 stream (half-closed by {@link #shutdownOutput}).
   */
  public static boolean isStream(Channel channel) {
    return channel instanceof Http2StreamChannel;
  }

  /** Frames to bytes and back on the tunnel's stream; answers the outcome on the response head. */
  private static final class StreamAdapter extends ChannelDuplexHandler {
    private final TunnelRequest request;
    private final boolean secure;
    private final TunnelOutcome outcome;
    private boolean reported;
    private boolean established;

    StreamAdapter(TunnelRequest request, boolean secure, TunnelOutcome outcome) {
      this.request = request;
      this.secure = secure;
      this.outcome = outcome;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Http2Headers headers = new DefaultHttp2Headers().method(request.method());
      headers.authority(request.authority());
      if (request.path() != null) {
        headers.scheme(secure ? "https" : "http").path(request.path());
      }
      for (TunnelRequest.Header h : request.headers()) {
        headers.add(h.name(), h.value());
      }
      ctx.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false))
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!f.isSuccess()) {
                      refuse(0, "sending the request failed: " + f.cause());
                      ctx.close();
                    }
                  });
      ctx.read();
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2HeadersFrame headersFrame) {
        if (!established) {
          int status = statusOf(headersFrame.headers());
          if (status >= 100 && status < 200 && !headersFrame.isEndStream()) {
            ctx.read(); // an interim answer; the real one follows
            return;
          }
          if (status != 200 || headersFrame.isEndStream()) {
            refuse(status, "status " + status);
            ctx.close();
            return;
          }
          established = true;
          reported = true;
          outcome.established(ctx.channel(), status);
        } else if (headersFrame.isEndStream()) {
          ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE); // trailers end it
        }
        return;
      }
      if (msg instanceof Http2DataFrame data) {
        boolean end = data.isEndStream();
        ByteBuf content = data.content().retain();
        data.release();
        if (content.isReadable()) {
          ctx.fireChannelRead(content);
        } else {
          content.release();
          if (!end) {
            ctx.read();
          }
        }
        if (end) {
          ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        return;
      }
      if (msg instanceof Http2ResetFrame) {
        ReferenceCountUtil.release(msg);
        refuse(0, "stream reset");
        ctx.close();
        return;
      }
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof ByteBuf buf) {
        ctx.write(new DefaultHttp2DataFrame(buf, false), promise);
      } else {
        ctx.write(msg, promise);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      refuse(0, "stream closed before the response head");
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!established) {
        refuse(0, cause.toString());
        ctx.close();
        return;
      }
      ctx.fireExceptionCaught(cause);
    }

    void refuse(int status, String why) {
      if (reported) {
        return;
      }
      reported = true;
      outcome.refused(status, why);
    }

    private static int statusOf(Http2Headers headers) {
      CharSequence status = headers.status();
      if (status == null || status.length() != 3) {
        return 0;
      }
      try {
        return Integer.parseInt(status.toString());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }
}
