package io.attache.dataplane.http2;

import io.attache.dataplane.logging.RateLimitedLog;
import io.attache.dataplane.time.Ticker;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Exception;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last inbound handler of an HTTP/2 connection: what reaches it ended the connection (Netty's
 * codec has already sent GOAWAY and is closing it). A peer's protocol error is counted ({@code
 * downstream_cx_protocol_error}) and logged at most ten times a minute, one line without a stack
 * trace; a read error is the peer going away and is not logged. Anything else closes the
 * connection. Runs on the event loop; never blocks.
 */
final class Http2ConnectionErrors extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http2ConnectionErrors.class);

  private final Http2Stats stats;
  private final RateLimitedLog warnings;

  Http2ConnectionErrors(Http2Stats stats, Ticker ticker) {
    this.stats = stats;
    this.warnings = RateLimitedLog.perMinute(log, ticker);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException || cause.getCause() instanceof IOException) {
      ctx.close();
      return;
    }
    if (cause instanceof Http2Exception http2) {
      stats.downstreamCxProtocolError.inc();
      warnings.warn(
          "HTTP/2 connection from {} closed: {} {}",
          ctx.channel().remoteAddress(),
          http2.error(),
          http2.getMessage());
      return;
    }
    warnings.warn("HTTP/2 connection from {} failed: {}", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
