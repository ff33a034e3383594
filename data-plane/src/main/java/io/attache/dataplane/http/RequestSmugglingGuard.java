package io.attache.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ByteProcessor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sits between the socket and Netty's HTTP decoder and lets through only bytes that {@link
 * Http1RequestScanner} has accepted. At the first refused byte it passes on what came before,
 * replaces the rest with one {@link Http1Rejection} and drops everything after it, so the decoder
 * never sees a smuggling attempt. It also runs HCM {@code request_headers_timeout} on the channel's
 * event loop. Runs on the event loop; must never block or buffer request bytes.
 */
public final class RequestSmugglingGuard extends ChannelInboundHandlerAdapter {
  private final Http1Limits limits;
  private final Http1RequestScanner scanner;
  private final ScannerFeeder feeder;
  private ScheduledFuture<?> headerTimer;
  private boolean rejected;

  public RequestSmugglingGuard(Http1Limits limits, Http1Settings settings) {
    this.limits = limits;
    this.scanner = new Http1RequestScanner(limits, settings);
    this.feeder = new ScannerFeeder(scanner);
  }

  /**
   * Feeds bytes to the scanner and stops a {@code forEachByte} run at the first byte that is not a
   * plain {@code NEED_MORE}, or after which body bytes may be skipped in bulk. One per guard.
   */
  private static final class ScannerFeeder implements ByteProcessor {
    private final Http1RequestScanner scanner;
    Http1RequestScanner.Step step = Http1RequestScanner.Step.NEED_MORE;

    ScannerFeeder(Http1RequestScanner scanner) {
      this.scanner = scanner;
    }

    @Override
    public boolean process(byte value) {
      step = scanner.next(value);
      return step == Http1RequestScanner.Step.NEED_MORE && scanner.bodyBytesPending() == 0;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (rejected) {
      buf.release();
      return;
    }
    int start = buf.readerIndex();
    int end = buf.writerIndex();
    int i = start;
    while (i < end) {
      long pending = scanner.bodyBytesPending();
      if (pending > 0) {
        int n = (int) Math.min(pending, end - i);
        scanner.skipBody(n);
        i += n;
        continue;
      }
      // forEachByte checks bounds and liveness once per run of bytes, not once per byte as
      // getByte would; the run stops at the first byte whose step needs the guard's attention.
      int stop = buf.forEachByte(i, end - i, feeder);
      if (stop < 0) {
        break;
      }
      i = stop + 1;
      switch (feeder.step) {
        case MESSAGE_STARTED -> startHeaderTimer(ctx);
        case HEAD_COMPLETE -> cancelHeaderTimer();
        case REJECTED -> {
          int accepted = i - 1 - start;
          if (accepted > 0) {
            ctx.fireChannelRead(buf.retainedSlice(start, accepted));
          }
          buf.release();
          reject(ctx, scanner.rejection());
          return;
        }
        default -> {}
      }
    }
    ctx.fireChannelRead(buf);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHeaderTimer();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelHeaderTimer();
  }

  private void startHeaderTimer(ChannelHandlerContext ctx) {
    if (!limits.hasRequestHeadersTimeout()) {
      return;
    }
    cancelHeaderTimer();
    headerTimer =
        ctx.executor()
            .schedule(
                () -> onHeaderTimeout(ctx),
                limits.requestHeadersTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
  }

  private void cancelHeaderTimer() {
    if (headerTimer != null) {
      headerTimer.cancel(false);
      headerTimer = null;
    }
  }

  private void onHeaderTimeout(ChannelHandlerContext ctx) {
    headerTimer = null;
    if (!rejected && ctx.channel().isActive()) {
      scanner.abandon(RejectReason.REQUEST_HEADER_TIMEOUT);
      reject(ctx, RejectReason.REQUEST_HEADER_TIMEOUT);
    }
  }

  private void reject(ChannelHandlerContext ctx, RejectReason reason) {
    rejected = true;
    cancelHeaderTimer();
    ctx.fireChannelRead(new Http1Rejection(reason));
  }
}
