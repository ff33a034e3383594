package io.attache.dataplane.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ByteProcessor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sits between the socket and Netty's HTTP decoder and lets through only bytes that {@link
 * Http1RequestScanner} has accepted. At the first refused byte it passes on what came before,
 * replaces the rest with one {@link Http1Rejection} and drops everything after it, so the decoder
 * never sees a smuggling attempt. It admits each request into the connection's {@link
 * PipelinedRequestWindow}: when too many pipelined requests wait for their responses it keeps the
 * bytes from the next request on (at most what one read brought) and reads nothing more until a
 * response frees a place. It also runs HCM {@code request_headers_timeout} on the channel's event
 * loop. Runs on the event loop; must never block.
 */
public final class RequestSmugglingGuard extends ChannelDuplexHandler {
  private final Http1Limits limits;
  private final Http1RequestScanner scanner;
  private final ScannerFeeder feeder;
  private final PipelinedRequestWindow window;
  private ScheduledFuture<?> headerTimer;
  private boolean rejected;

  /** Bytes from a request the window had no place for; its first {@code heldScanned} scanned. */
  private ByteBuf held;

  private int heldScanned;
  private boolean readWanted;
  private ChannelHandlerContext ctx;

  RequestSmugglingGuard(Http1Limits limits, Http1Settings settings, PipelinedRequestWindow window) {
    this.limits = limits;
    this.scanner = new Http1RequestScanner(limits, settings);
    this.feeder = new ScannerFeeder(scanner);
    this.window = window;
    window.onFreed(this::onWindowFreed);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
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
    if (held != null) {
      // Only reachable if a read was already under way when the window filled up.
      held = ctx.alloc().compositeBuffer().addComponents(true, held, buf);
      return;
    }
    scan(ctx, buf, buf.readerIndex());
  }

  /**
   * Scans {@code buf} from {@code from} on (bytes before it, from the reader index, were scanned
   * already) and passes on what the scanner accepted, stopping at a request the window cannot take.
   */
  private void scan(ChannelHandlerContext ctx, ByteBuf buf, int from) {
    int start = buf.readerIndex();
    int end = buf.writerIndex();
    int i = from;
    if (from > start && !admit(ctx, buf, start, start, from)) {
      return;
    }
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
        case MESSAGE_STARTED -> {
          if (!admit(ctx, buf, start, stop, i)) {
            return;
          }
        }
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

  /**
   * A request starts at {@code messageStart}: takes a place for it in the window and starts its
   * header timer, or — no place — passes on the bytes before it, keeps the rest (scanned up to
   * {@code scannedTo}) and returns false.
   */
  private boolean admit(
      ChannelHandlerContext ctx, ByteBuf buf, int start, int messageStart, int scannedTo) {
    if (window.tryAdmit()) {
      startHeaderTimer(ctx);
      return true;
    }
    if (messageStart > start) {
      ctx.fireChannelRead(buf.retainedSlice(start, messageStart - start));
    }
    buf.readerIndex(messageStart);
    held = buf;
    heldScanned = scannedTo - messageStart;
    return false;
  }

  /** A response freed a place: later, outside the write that freed it, go on with held bytes. */
  private void onWindowFreed() {
    if (held != null && ctx != null) {
      ctx.executor().execute(this::resumeHeld);
    }
  }

  private void resumeHeld() {
    ByteBuf buf = held;
    if (buf == null || rejected || !ctx.channel().isActive()) {
      return;
    }
    held = null;
    int from = buf.readerIndex() + heldScanned;
    heldScanned = 0;
    scan(ctx, buf, from);
    if (held == null && readWanted) {
      readWanted = false;
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (held != null) {
      readWanted = true; // backpressure: nothing more until the held request has a place
      return;
    }
    ctx.read();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHeaderTimer();
    releaseHeld();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancelHeaderTimer();
    releaseHeld();
  }

  private void releaseHeld() {
    if (held != null) {
      held.release();
      held = null;
    }
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
    releaseHeld();
    cancelHeaderTimer();
    ctx.fireChannelRead(new Http1Rejection(reason));
  }
}
