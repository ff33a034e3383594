package io.attache.dataplane.http2;

import static io.netty.handler.codec.http2.Http2Error.ENHANCE_YOUR_CALM;
import static io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR;

import io.attache.dataplane.time.Ticker;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.List;

/**
 * The HTTP/2 rules Netty's decoder leaves open, enforced in front of it on one server connection,
 * frame by frame (each frame is looked at with the connection state its predecessors left):
 *
 * <ul>
 *   <li>a HEADERS frame for a stream id at or below the last one the client opened, whose stream is
 *       gone, is a connection error PROTOCOL_ERROR (RFC 9113 §5.1.1) — Netty answers it with
 *       RST_STREAM — except for a stream this proxy reset itself, where trailers may be in flight;
 *   <li>a WINDOW_UPDATE of 0 is a connection error PROTOCOL_ERROR, on a stream too;
 *   <li>a malformed request ({@link Http2RequestHeaders}, and Netty's own header checks) resets its
 *       stream only with {@code override_stream_error_on_invalid_http_message}; by default it is a
 *       connection error, as in Envoy;
 *   <li>Envoy's premature-reset rule ({@link PrematureResets}) closes the connection with
 *       ENHANCE_YOUR_CALM.
 * </ul>
 *
 * <p>One per connection, on its event loop; never blocks.
 */
final class Http2FrameRules extends DecoratingHttp2ConnectionDecoder {
  private static final int FRAME_HEADER_LENGTH = 9;
  private static final byte HEADERS = 0x1;
  private static final byte RST_STREAM = 0x3;
  private static final byte WINDOW_UPDATE = 0x8;

  /** Streams this proxy reset lately, whose late frames are a race, not an attack. */
  private static final int RECENT_RESETS = 128;

  private final Http2ServerConfig config;
  private final Http2Stats stats;
  private final Ticker ticker;
  private final Http2Connection.PropertyKey openedAt;
  private final Http2Connection.PropertyKey requestChecked;
  private final Http2Connection.PropertyKey endCounted;
  private final PrematureResets prematureResets = new PrematureResets();
  private final int[] resetByUs = new int[RECENT_RESETS];
  private int resetByUsNext;

  private ChannelHandlerContext ctx;
  private boolean decoding;
  private boolean tooManyPrematureResets;
  private boolean failed;

  Http2FrameRules(
      Http2ConnectionDecoder delegate, Http2ServerConfig config, Http2Stats stats, Ticker ticker) {
    super(delegate);
    this.config = config;
    this.stats = stats;
    this.ticker = ticker;
    Http2Connection connection = delegate.connection();
    this.openedAt = connection.newKey();
    this.requestChecked = connection.newKey();
    this.endCounted = connection.newKey();
    connection.addListener(
        new Http2ConnectionAdapter() {
          @Override
          public void onStreamAdded(Http2Stream stream) {
            stream.setProperty(openedAt, ticker.nanoTime());
          }

          @Override
          public void onStreamClosed(Http2Stream stream) {
            streamClosed(stream);
          }

          @Override
          public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
            if (errorCode == ENHANCE_YOUR_CALM.code() && !tooManyPrematureResets) {
              // Netty's bound on queued control frames (max_outbound_control_frames) tripped.
              stats.outboundControlFlood.inc();
            }
          }
        });
  }

  @Override
  public void frameListener(Http2FrameListener listener) {
    super.frameListener(listener == null ? null : new RequestValidation(listener));
  }

  @Override
  public void decodeFrame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out)
      throws Http2Exception {
    this.ctx = ctx;
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    decoding = true;
    try {
      while (in.readableBytes() >= FRAME_HEADER_LENGTH) {
        int at = in.readerIndex();
        int length = in.getUnsignedMedium(at);
        if (length > Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE) {
          // Over the size this listener advertises: the reader refuses it from its header alone.
          delegate(ctx, in, out);
          return;
        }
        if (in.readableBytes() < FRAME_HEADER_LENGTH + length) {
          return; // the rest of this frame has not arrived; the codec keeps the bytes
        }
        inspect(
            in.getByte(at + 3),
            in.getInt(at + 5) & 0x7fffffff,
            in,
            at + FRAME_HEADER_LENGTH,
            length);
        delegate(ctx, in.readSlice(FRAME_HEADER_LENGTH + length), out);
        if (tooManyPrematureResets) {
          throw fail(ENHANCE_YOUR_CALM, "too many streams reset prematurely");
        }
      }
    } finally {
      decoding = false;
    }
  }

  private void inspect(byte type, int streamId, ByteBuf in, int payloadAt, int length)
      throws Http2Exception {
    switch (type) {
      case HEADERS -> {
        Http2Connection connection = connection();
        if ((streamId & 1) == 1
            && connection.stream(streamId) == null
            && streamId <= connection.remote().lastStreamCreated()
            && !resetByUs(streamId)) {
          throw fail(
              PROTOCOL_ERROR,
              "HEADERS for stream "
                  + streamId
                  + ", which is closed or below the last stream opened ("
                  + connection.remote().lastStreamCreated()
                  + ")");
        }
      }
      case RST_STREAM -> {
        stats.rxReset.inc();
        countEnd(connection().stream(streamId)); // the reset ends it, whenever Netty closes it
      }
      case WINDOW_UPDATE -> {
        if (length == 4 && (in.getInt(payloadAt) & 0x7fffffff) == 0) {
          throw fail(PROTOCOL_ERROR, "WINDOW_UPDATE with an increment of 0 on stream " + streamId);
        }
      }
      default -> {}
    }
  }

  private void delegate(ChannelHandlerContext ctx, ByteBuf frames, List<Object> out)
      throws Http2Exception {
    try {
      super.decodeFrame(ctx, frames, out);
    } catch (Http2Exception.StreamException e) {
      if (e.error() == PROTOCOL_ERROR) {
        stats.rxMessagingError.inc();
        if (!config.streamErrorOnInvalidHttpMessage()) {
          failed = true;
          throw Http2Exception.connectionError(
              PROTOCOL_ERROR, e, "stream %d: %s", e.streamId(), e.getMessage());
        }
      }
      // The stream is about to be reset; its RST_STREAM may wait for the end of the read.
      countEnd(connection().stream(e.streamId()));
      if (tooManyPrematureResets) {
        throw fail(ENHANCE_YOUR_CALM, "too many streams reset prematurely");
      }
      throw e;
    } catch (Http2Exception e) {
      failed = true;
      throw e;
    }
  }

  private Http2Exception fail(io.netty.handler.codec.http2.Http2Error error, String message) {
    failed = true;
    return Http2Exception.connectionError(error, "%s", message);
  }

  private void streamClosed(Http2Stream stream) {
    if (stream.isResetSent()) {
      resetByUs[resetByUsNext] = stream.id();
      resetByUsNext = (resetByUsNext + 1) % RECENT_RESETS;
    }
    countEnd(stream);
  }

  /**
   * Counts a client stream's end once for the premature-reset rule: when it closes, or earlier,
   * when a reset of it is read or decided (a reset's RST_STREAM, and so the close, may wait for the
   * end of a read holding thousands more).
   */
  private void countEnd(Http2Stream stream) {
    if (stream == null || stream.getProperty(endCounted) != null) {
      return;
    }
    stream.setProperty(endCounted, Boolean.TRUE);
    Long opened = stream.getProperty(openedAt);
    if (opened == null || tooManyPrematureResets || (stream.id() & 1) == 0) {
      return;
    }
    if (prematureResets.streamClosed(ticker.nanoTime() - opened, stream.isHeadersSent())) {
      tooManyPrematureResets = true;
      stats.downstreamRqTooManyPrematureResets.inc();
      if (!decoding && ctx != null && ctx.channel().isActive()) {
        // Closed outside a read (the proxy reset it): close the connection from the event loop.
        ChannelHandlerContext c = ctx;
        c.executor().execute(() -> closeForPrematureResets(c));
      }
    }
  }

  private void closeForPrematureResets(ChannelHandlerContext c) {
    if (c.isRemoved() || !c.channel().isActive()) {
      return; // already closing: nothing to add
    }
    ((Http2ConnectionHandler) c.handler())
        .onError(c, false, fail(ENHANCE_YOUR_CALM, "too many streams reset prematurely"));
  }

  private boolean resetByUs(int streamId) {
    for (int id : resetByUs) {
      if (id == streamId) {
        return true;
      }
    }
    return false;
  }

  /** Checks the first HEADERS of each stream (not trailers) once Netty has taken them. */
  private final class RequestValidation extends Http2FrameListenerDecorator {
    RequestValidation(Http2FrameListener listener) {
      super(listener);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int padding,
        boolean endOfStream)
        throws Http2Exception {
      check(streamId, headers);
      super.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(
        ChannelHandlerContext ctx,
        int streamId,
        Http2Headers headers,
        int streamDependency,
        short weight,
        boolean exclusive,
        int padding,
        boolean endOfStream)
        throws Http2Exception {
      check(streamId, headers);
      super.onHeadersRead(
          ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
    }

    /**
     * Only a stream's first HEADERS is a request; later ones are trailers. (Netty's own flags do
     * not tell them apart here: a stream opened half-closed already says it received trailers.)
     */
    private void check(int streamId, Http2Headers headers) throws Http2Exception {
      Http2Stream stream = connection().stream(streamId);
      if (stream == null || stream.getProperty(requestChecked) != null) {
        return;
      }
      stream.setProperty(requestChecked, Boolean.TRUE);
      String violation = Http2RequestHeaders.violation(headers);
      if (violation != null) {
        throw Http2Exception.streamError(
            streamId, PROTOCOL_ERROR, "malformed request: %s", violation);
      }
    }
  }
}
