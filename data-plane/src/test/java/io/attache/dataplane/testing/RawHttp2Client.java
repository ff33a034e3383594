package io.attache.dataplane.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 client that writes frames byte by byte, for tests that must send what a real client
 * library refuses to (missing pseudo-headers, reused stream ids, a zero window increment, floods).
 * Header blocks are HPACK-encoded with Netty's encoder; every read is bounded by the socket timeout
 * and every loop by a frame count.
 */
public final class RawHttp2Client implements AutoCloseable {
  public static final int DATA = 0x0;
  public static final int HEADERS = 0x1;
  public static final int RST_STREAM = 0x3;
  public static final int SETTINGS = 0x4;
  public static final int PING = 0x6;
  public static final int GOAWAY = 0x7;
  public static final int WINDOW_UPDATE = 0x8;

  public static final int END_STREAM = 0x1;
  public static final int END_HEADERS = 0x4;
  public static final int ACK = 0x1;

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  /** Connects and sends the preface and an empty SETTINGS frame. */
  public RawHttp2Client(int port, int readTimeoutMillis) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(readTimeoutMillis);
    socket.setTcpNoDelay(true);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    pending.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
    flush();
  }

  /** A GET's pseudo-headers, to be edited by the test (unvalidated: anything may be set). */
  public static Http2Headers get(String path) {
    return new DefaultHttp2Headers(false)
        .method("GET")
        .scheme("http")
        .authority("example.com")
        .path(path);
  }

  /** Queues a frame; {@link #flush} sends everything queued in one write. */
  public RawHttp2Client frame(int type, int flags, int streamId, byte[] payload) {
    pending.write((payload.length >>> 16) & 0xff);
    pending.write((payload.length >>> 8) & 0xff);
    pending.write(payload.length & 0xff);
    pending.write(type);
    pending.write(flags);
    pending.write((streamId >>> 24) & 0x7f);
    pending.write((streamId >>> 16) & 0xff);
    pending.write((streamId >>> 8) & 0xff);
    pending.write(streamId & 0xff);
    pending.writeBytes(payload);
    return this;
  }

  /** Queues one HEADERS frame (END_HEADERS set) with the headers exactly as given. */
  public RawHttp2Client headers(int streamId, Http2Headers headers, boolean endStream)
      throws IOException {
    ByteBuf block = Unpooled.buffer();
    try {
      encoder.encodeHeaders(streamId, headers, block);
      byte[] bytes = new byte[block.readableBytes()];
      block.readBytes(bytes);
      return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, bytes);
    } catch (io.netty.handler.codec.http2.Http2Exception e) {
      throw new IOException(e);
    } finally {
      block.release();
    }
  }

  public RawHttp2Client rstStream(int streamId, int errorCode) {
    return frame(RST_STREAM, 0, streamId, int32(errorCode));
  }

  public RawHttp2Client windowUpdate(int streamId, int increment) {
    return frame(WINDOW_UPDATE, 0, streamId, int32(increment));
  }

  public void flush() throws IOException {
    pending.writeTo(out);
    out.flush();
    pending.reset();
  }

  private static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  /** One frame read from the server; {@code headers} is decoded for HEADERS frames. */
  public record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
    /** RST_STREAM's and GOAWAY's error code. */
    public long errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xffL) << 24)
          | ((payload[at + 1] & 0xff) << 16)
          | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }

    @Override
    public String toString() {
      return "Frame(type=" + type + ", flags=" + flags + ", stream=" + streamId + ")";
    }
  }

  /** The next frame; null at EOF or when the peer reset the connection. */
  public Frame read() throws IOException {
    byte[] head = new byte[9];
    try {
      in.readFully(head);
    } catch (EOFException | java.net.SocketException closed) {
      return null;
    }
    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
    int type = head[3] & 0xff;
    int flags = head[4] & 0xff;
    int streamId =
        ((head[5] & 0x7f) << 24)
            | ((head[6] & 0xff) << 16)
            | ((head[7] & 0xff) << 8)
            | (head[8] & 0xff);
    byte[] payload = new byte[length];
    try {
      in.readFully(payload);
    } catch (EOFException | java.net.SocketException closed) {
      return null;
    }
    Http2Headers headers = null;
    if (type == HEADERS) {
      ByteBuf block = Unpooled.wrappedBuffer(payload);
      try {
        headers = decoder.decodeHeaders(streamId, block);
      } catch (io.netty.handler.codec.http2.Http2Exception e) {
        throw new IOException(e);
      }
    }
    return new Frame(type, flags, streamId, payload, headers);
  }

  /**
   * Frames until EOF, or until {@code max} frames, or until no frame came for the read timeout;
   * SETTINGS and their ACKs, PINGs and WINDOW_UPDATEs of the connection included.
   */
  public List<Frame> readUntilQuiet(int max) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try {
      while (frames.size() < max) {
        Frame f = read();
        if (f == null) {
          break;
        }
        frames.add(f);
      }
    } catch (SocketTimeoutException quiet) {
      // nothing more for now
    }
    return frames;
  }

  /**
   * Frames up to and including the first that {@code last} accepts; stops early at EOF or after
   * {@code max} frames. Every read is bounded by the socket timeout.
   */
  public List<Frame> readUntil(int max, java.util.function.Predicate<Frame> last)
      throws IOException {
    List<Frame> frames = new ArrayList<>();
    while (frames.size() < max) {
      Frame f = read();
      if (f == null) {
        break;
      }
      frames.add(f);
      if (last.test(f)) {
        break;
      }
    }
    return frames;
  }

  /**
   * True once the server closed the connection (EOF or reset) before the read timeout; reads (and
   * drops) at most {@code maxFrames} frames on the way.
   */
  public boolean closedByPeer(int maxFrames) throws IOException {
    try {
      for (int i = 0; i < maxFrames; i++) {
        if (read() == null) {
          return true;
        }
      }
      return false;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    }
  }

  /** Half-closes: the server reads everything sent so far, then sees the end of the stream. */
  public void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
