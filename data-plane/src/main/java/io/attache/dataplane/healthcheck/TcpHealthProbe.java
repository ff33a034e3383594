package io.attache.dataplane.healthcheck;

import io.attache.dataplane.upstream.host.Host;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.Consumer;

/**
 * TCP active health checks over Netty: connect, write {@code send}, and pass once every {@code
 * receive} block has arrived in order (Envoy's "fuzzy" match: blocks need not be adjacent). With
 * nothing to send or receive a successful connect passes and the socket is closed, as in Envoy.
 * Runs on the given event loops; never blocks.
 */
final class TcpHealthProbe implements HealthProbe {
  /** Answers longer than this without a match are not buffered further. */
  private static final int MAX_BUFFERED = 64 * 1024;

  private final EventLoopGroup group;
  private final HealthCheckConfig config;
  private final HealthCheckConfig.Tcp tcp;

  TcpHealthProbe(EventLoopGroup group, HealthCheckConfig config, HealthCheckConfig.Tcp tcp) {
    this.group = group;
    this.config = config;
    this.tcp = tcp;
  }

  @Override
  public Connection connect(Host host) {
    return new TcpConnection(host);
  }

  /** Whether {@code data} holds every block of {@code receive}, in order. */
  static boolean matches(byte[] data, List<byte[]> receive) {
    int from = 0;
    for (byte[] block : receive) {
      int at = indexOf(data, block, from);
      if (at < 0) {
        return false;
      }
      from = at + block.length;
    }
    return true;
  }

  private static int indexOf(byte[] data, byte[] block, int from) {
    outer:
    for (int i = from; i <= data.length - block.length; i++) {
      for (int j = 0; j < block.length; j++) {
        if (data[i + j] != block[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private boolean connectOnly() {
    return tcp.send().length == 0 && tcp.receive().isEmpty();
  }

  /** The probing side of one host: at most one socket and one check in flight. */
  private final class TcpConnection extends ProbeConnection {
    private final Host host;
    // Guarded by this.
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    TcpConnection(Host host) {
      this.host = host;
    }

    @Override
    public void check(Consumer<ProbeOutcome> done) {
      Channel reusable;
      synchronized (this) {
        if (closed) {
          return;
        }
        inFlight = done;
        received.reset();
        reusable = channel != null && channel.isActive() ? channel : null;
      }
      if (reusable != null) {
        send(reusable);
        return;
      }
      ProbeChannels.connect(
              group,
              ProbeChannels.target(host, config),
              config,
              () -> new ChannelHandler[] {new ReadHandler()})
          .addListener(
              f -> {
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                if (!f.isSuccess()) {
                  complete(ProbeOutcome.NETWORK_FAILURE);
                  return;
                }
                synchronized (this) {
                  if (closed || inFlight == null) {
                    ch.close();
                    return;
                  }
                  channel = ch;
                }
                if (connectOnly()) {
                  forget(ch);
                  complete(ProbeOutcome.HEALTHY);
                  ch.close();
                  return;
                }
                send(ch);
              });
    }

    private void send(Channel ch) {
      if (tcp.send().length == 0) {
        return;
      }
      ch.writeAndFlush(Unpooled.wrappedBuffer(tcp.send()))
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  ch.close();
                  complete(ProbeOutcome.NETWORK_FAILURE);
                } else if (tcp.receive().isEmpty()) {
                  finishPassed(ch);
                }
              });
    }

    private void finishPassed(Channel ch) {
      boolean keep = config.reuseConnection();
      if (!keep) {
        forget(ch);
      }
      // Report before closing, so the close that follows finds no check in flight.
      complete(ProbeOutcome.HEALTHY);
      if (!keep) {
        ch.close();
      }
    }

    private synchronized void forget(Channel ch) {
      if (channel == ch) {
        channel = null;
      }
    }

    /** Collects what the host sends until the expected blocks are there. */
    private final class ReadHandler extends ChannelInboundHandlerAdapter {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        boolean passed;
        try {
          synchronized (TcpConnection.this) {
            if (inFlight == null || tcp.receive().isEmpty()) {
              return;
            }
            if (received.size() < MAX_BUFFERED) {
              byte[] bytes = new byte[buf.readableBytes()];
              buf.readBytes(bytes);
              received.writeBytes(bytes);
            }
            passed = matches(received.toByteArray(), tcp.receive());
            if (passed) {
              received.reset();
            }
          }
        } finally {
          buf.release();
        }
        if (passed) {
          finishPassed(ctx.channel());
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        forget(ctx.channel());
        complete(ProbeOutcome.NETWORK_FAILURE);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    }
  }
}
