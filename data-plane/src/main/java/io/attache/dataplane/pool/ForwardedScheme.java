package io.attache.dataplane.pool;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AsciiString;

/**
 * The {@code :scheme} of a request sent upstream over HTTP/2 is the downstream request's scheme, as
 * in Envoy (which sets it from {@code x-forwarded-proto} or the downstream connection and keeps it
 * whatever the upstream transport), not the upstream connection's, which is what Netty's stream
 * codec writes. It reads the request's {@code x-forwarded-proto} (what the connection manager
 * decided) and changes nothing when that is absent or not {@code http}/{@code https}, nor a request
 * without {@code :scheme} (CONNECT). Stateless; shared by every stream.
 */
@ChannelHandler.Sharable
final class ForwardedScheme extends ChannelOutboundHandlerAdapter {
  static final ForwardedScheme INSTANCE = new ForwardedScheme();

  private static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");

  private ForwardedScheme() {}

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof Http2HeadersFrame frame && frame.headers().scheme() != null) {
      Http2Headers headers = frame.headers();
      CharSequence proto = headers.get(FORWARDED_PROTO);
      if (proto != null
          && (AsciiString.contentEquals(proto, "http")
              || AsciiString.contentEquals(proto, "https"))) {
        headers.scheme(AsciiString.of(proto));
      }
    }
    ctx.write(msg, promise);
  }
}
