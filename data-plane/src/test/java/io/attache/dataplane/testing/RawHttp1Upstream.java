package io.attache.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A byte-exact HTTP/1.1 upstream on an ephemeral loopback port, for tests about what a proxy puts
 * on the wire: it records every request head exactly as it arrived (header case and order included)
 * and answers each bodiless request with the same raw response bytes. Connections and threads are
 * bounded; {@link #close} stops them all. It never interprets more than it must to find where a
 * request ends.
 */
public final class RawHttp1Upstream implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 16;
  private static final int MAX_HEAD_BYTES = 64 * 1024;

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newFixedThreadPool(MAX_CONNECTIONS + 1);
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final byte[] response;

  /** {@code rawResponse}: status line, headers and body, CRLFs included, sent to every request. */
  public RawHttp1Upstream(String rawResponse) throws IOException {
    this.response = rawResponse.getBytes(StandardCharsets.ISO_8859_1);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Every request head received (request line and header lines, no final CRLF), in order. */
  public List<String> heads() {
    return heads;
  }

  private void acceptLoop() {
    for (int n = 0; n < MAX_CONNECTIONS && !server.isClosed(); n++) {
      try {
        Socket s = server.accept();
        open.add(s);
        threads.execute(() -> serve(s));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      for (String head = readHead(in); head != null; head = readHead(in)) {
        heads.add(head);
        out.write(response);
        out.flush();
      }
    } catch (IOException closed) {
      // the proxy closed the connection: nothing more to serve
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (head.size() < MAX_HEAD_BYTES) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String s = head.toString(StandardCharsets.ISO_8859_1);
        return s.substring(0, s.length() - 4);
      }
    }
    throw new IOException("request head over " + MAX_HEAD_BYTES + " bytes");
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    threads.shutdownNow();
  }
}
