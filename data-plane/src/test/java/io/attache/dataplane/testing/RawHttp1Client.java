package io.attache.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A byte-exact HTTP/1.1 client over a plain socket, for tests that must write what no well-behaved
 * client would (pipelined bursts, half requests). Every read is bounded by a socket timeout and
 * every loop by a byte count.
 */
public final class RawHttp1Client implements AutoCloseable {
  private static final int MAX_HEAD_BYTES = 64 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public RawHttp1Client(int port, int readTimeoutMillis) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(readTimeoutMillis);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public void write(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** One response with a content-length body (or none); null when the connection ended first. */
  public Response readResponse() throws IOException {
    String head = readHead();
    if (head == null) {
      return null;
    }
    int firstLineEnd = head.indexOf("\r\n");
    String statusLine = firstLineEnd < 0 ? head : head.substring(0, firstLineEnd);
    String headers = firstLineEnd < 0 ? "" : head.substring(firstLineEnd + 2);
    Response partial = new Response(statusLine, headers, "");
    String length = partial.header("content-length");
    if (length == null) {
      return partial;
    }
    byte[] body = in.readNBytes(Integer.parseInt(length.trim()));
    return new Response(statusLine, headers, new String(body, StandardCharsets.ISO_8859_1));
  }

  /** True when the peer closed the connection (EOF or reset) before the read timeout. */
  public boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (head.size() < MAX_HEAD_BYTES) {
      int b;
      try {
        b = in.read();
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException reset) {
        b = -1;
      }
      if (b < 0) {
        return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String s = head.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
      }
    }
    throw new IOException("response head over " + MAX_HEAD_BYTES + " bytes");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** A response: status line, raw header block, body. */
  public record Response(String statusLine, String headers, String body) {
    public int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    /** The first value of a header, case-insensitively; null when absent. */
    public String header(String name) {
      for (String line : headers.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    public boolean closes() {
      String c = header("connection");
      return c != null && c.toLowerCase(Locale.ROOT).contains("close");
    }
  }
}
