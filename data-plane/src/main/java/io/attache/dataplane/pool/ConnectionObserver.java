package io.attache.dataplane.pool;

import io.attache.dataplane.transport.ByteCounter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Times one upstream connection for its pool's {@link PoolListener} as Envoy times it: from the
 * connect call to TCP established ({@code upstream_cx_connect_ms}) and from the connect call to
 * close ({@code upstream_cx_length_ms}, established connections only), on the event loop's ticker.
 * Steps aside after the connect; the close is seen through the close future. Runs on the
 * connection's event loop.
 */
final class ConnectionObserver extends ChannelInboundHandlerAdapter {
  private final PoolListener listener;
  private long startNanos;

  private ConnectionObserver(PoolListener listener) {
    this.listener = listener;
  }

  /** Observes {@code ch} from now on and counts its plaintext bytes; call in the initializer. */
  static void install(Channel ch, PoolListener listener) {
    ch.pipeline()
        .addLast(
            new ConnectionObserver(listener),
            new ByteCounter(listener::bytesReceived, listener::bytesSent));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    startNanos = ctx.channel().eventLoop().ticker().nanoTime();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    listener.connectTime(millisSinceStart(ch));
    ch.closeFuture().addListener(f -> listener.connectionLength(millisSinceStart(ch)));
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }

  private long millisSinceStart(Channel ch) {
    return TimeUnit.NANOSECONDS.toMillis(ch.eventLoop().ticker().nanoTime() - startNanos);
  }
}
