package io.attache.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

/**
 * Plain loopback TCP clients for tests that speak bytes to a proxy (tunnels, raw protocols): a
 * connected socket with a read timeout and no Nagle delay, and reading a stream to its end. It
 * never interprets what it reads.
 */
public final class RawSockets {
  private RawSockets() {}

  /** A socket connected to {@code port} on loopback; a read waits at most {@code readTimeout}. */
  public static Socket connect(int port, Duration readTimeout) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout((int) readTimeout.toMillis());
    s.setTcpNoDelay(true);
    return s;
  }

  /** Reads to end of stream; a reset after the peer's close counts as the end. */
  public static byte[] readToEnd(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
    } catch (SocketException reset) {
      // closed by the proxy with data unread: still the end of this connection
    }
    return out.toByteArray();
  }
}
