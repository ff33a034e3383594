package io.attache.controlplane.differential;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Sends one HTTP/2 request over cleartext with prior knowledge (RFC 9113 §3.3) on a fresh
 * connection, frame by frame, and reads back what became of stream 1: a response (status, regular
 * headers, body), an {@code RST_STREAM} or a {@code GOAWAY}. The request's header block is
 * HPACK-encoded exactly as given — an upper-case name, a connection-specific header or a missing
 * pseudo-header included — so both data planes get the very same frames. Answers the peer's
 * SETTINGS and PINGs and nothing else; never retries, never opens a second stream; the socket
 * timeout bounds every read.
 */
final class RawH2Exchange {

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int CONTINUATION = 0x9;
  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PADDED = 0x8;
  private static final int PRIORITY = 0x20;
  private static final int STREAM = 1;

  private RawH2Exchange() {}

  /**
   * One request on stream 1: {@code headers} are name/value pairs in the order sent, pseudo-headers
   * included (or left out) by the caller. The stream ends with the HEADERS frame.
   */
  static ClientResponse send(int port, List<String> headers) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(RawExchange.READ_TIMEOUT_MS);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      writeFrame(out, SETTINGS, 0, 0, new byte[0]);
      writeFrame(out, HEADERS, END_STREAM | END_HEADERS, STREAM, encode(headers));
      out.flush();
      ClientResponse response =
          read(new DataInputStream(new BufferedInputStream(socket.getInputStream())), out);
      try {
        writeFrame(out, GOAWAY, 0, 0, new byte[8]);
        out.flush();
      } catch (IOException closedByThePeer) {
        // The data plane may have closed the connection already (after its own GOAWAY).
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] encode(List<String> headers) {
    // Not validating: malformed requests are the point of some scenarios.
    Http2Headers block = new DefaultHttp2Headers(false);
    for (int i = 0; i < headers.size(); i += 2) {
      block.add(headers.get(i), headers.get(i + 1));
    }
    ByteBuf buffer = Unpooled.buffer();
    try {
      new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false)
          .encodeHeaders(STREAM, block, buffer);
      byte[] bytes = new byte[buffer.readableBytes()];
      buffer.readBytes(bytes);
      return bytes;
    } catch (Http2Exception e) {
      throw new IllegalArgumentException("cannot encode " + headers, e);
    } finally {
      buffer.release();
    }
  }

  private static ClientResponse read(DataInputStream in, OutputStream out) throws IOException {
    DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
    ByteArrayOutputStream headerBlock = new ByteArrayOutputStream();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    SortedMap<String, String> responseHeaders = new TreeMap<>();
    int status = RawExchange.NO_RESPONSE;
    try {
      while (true) {
        int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
          throw new EOFException();
        }
        if (type == SETTINGS && stream == 0 && (flags & ACK) == 0) {
          writeFrame(out, SETTINGS, ACK, 0, new byte[0]);
          out.flush();
        } else if (type == PING && (flags & ACK) == 0) {
          writeFrame(out, PING, ACK, 0, payload);
          out.flush();
        } else if (type == GOAWAY) {
          long code = ((payload[4] & 0xffL) << 24) | ((payload[5] & 0xff) << 16);
          code |= ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
          return new ClientResponse(status, responseHeaders, "<GOAWAY " + errorName(code) + ">");
        } else if (type == RST_STREAM && stream == STREAM) {
          long code = ((payload[0] & 0xffL) << 24) | ((payload[1] & 0xff) << 16);
          code |= ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
          return new ClientResponse(
              status, responseHeaders, "<RST_STREAM " + errorName(code) + ">");
        } else if ((type == HEADERS || type == CONTINUATION) && stream == STREAM) {
          headerBlock.writeBytes(type == HEADERS ? headersFragment(flags, payload) : payload);
          if ((flags & END_HEADERS) != 0) {
            Http2Headers decoded = decode(decoder, headerBlock.toByteArray());
            headerBlock.reset();
            for (Map.Entry<CharSequence, CharSequence> h : decoded) {
              String name = h.getKey().toString().toLowerCase(Locale.ROOT);
              if (name.equals(":status")) {
                status = Integer.parseInt(h.getValue().toString());
              } else if (!name.startsWith(":")) {
                responseHeaders.merge(name, h.getValue().toString(), (a, b) -> a + "," + b);
              }
            }
          }
          if (type == HEADERS && (flags & END_STREAM) != 0) {
            return new ClientResponse(
                status, responseHeaders, body.toString(StandardCharsets.UTF_8));
          }
        } else if (type == DATA && stream == STREAM) {
          body.writeBytes(dataFragment(flags, payload));
          if ((flags & END_STREAM) != 0) {
            return new ClientResponse(
                status, responseHeaders, body.toString(StandardCharsets.UTF_8));
          }
        }
      }
    } catch (SocketTimeoutException e) {
      return new ClientResponse(status, responseHeaders, "<no response in time>");
    } catch (EOFException | SocketException e) {
      return new ClientResponse(status, responseHeaders, "<connection closed>");
    }
  }

  private static Http2Headers decode(DefaultHttp2HeadersDecoder decoder, byte[] block)
      throws IOException {
    ByteBuf buffer = Unpooled.wrappedBuffer(block);
    try {
      return decoder.decodeHeaders(STREAM, buffer);
    } catch (Http2Exception e) {
      throw new IOException("undecodable response headers", e);
    } finally {
      buffer.release();
    }
  }

  private static byte[] headersFragment(int flags, byte[] payload) {
    int from = 0;
    int padding = 0;
    if ((flags & PADDED) != 0) {
      padding = payload[0] & 0xff;
      from = 1;
    }
    if ((flags & PRIORITY) != 0) {
      from += 5;
    }
    return java.util.Arrays.copyOfRange(payload, from, payload.length - padding);
  }

  private static byte[] dataFragment(int flags, byte[] payload) {
    if ((flags & PADDED) == 0) {
      return payload;
    }
    int padding = payload[0] & 0xff;
    return java.util.Arrays.copyOfRange(payload, 1, payload.length - padding);
  }

  private static String errorName(long code) {
    Http2Error error = Http2Error.valueOf(code);
    return error == null ? "0x" + Long.toHexString(code) : error.name();
  }

  private static void writeFrame(OutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    byte[] head = new byte[9];
    head[0] = (byte) (payload.length >>> 16);
    head[1] = (byte) (payload.length >>> 8);
    head[2] = (byte) payload.length;
    head[3] = (byte) type;
    head[4] = (byte) flags;
    head[5] = (byte) (stream >>> 24);
    head[6] = (byte) (stream >>> 16);
    head[7] = (byte) (stream >>> 8);
    head[8] = (byte) stream;
    out.write(head);
    out.write(payload);
  }
}
