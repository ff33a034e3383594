package io.attache.dataplane.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A plain TCP upstream on an ephemeral loopback port, for tcp_proxy tests: it echoes, or answers
 * with its name, or reads to end of stream before it answers (to see a half-close arrive). Records
 * the first bytes of every connection. Connections and threads are bounded; {@link #close} stops
 * them all.
 */
public final class TcpTestServer implements AutoCloseable {
  /** How the server treats each connection. */
  public enum Mode {
    /** Writes back every byte it reads until the client closes. */
    ECHO,
    /** Reads one chunk, writes its name, keeps the connection open until the client closes. */
    NAME,
    /** Reads until the client half-closes, writes "got:" and what it read, then closes. */
    REPLY_AFTER_FIN
  }

  private static final int MAX_CONNECTIONS = 32;

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newFixedThreadPool(MAX_CONNECTIONS + 1);
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<byte[]> firstChunks = new CopyOnWriteArrayList<>();
  private final String name;
  private final Mode mode;

  public TcpTestServer(String name, Mode mode) throws IOException {
    this.name = name;
    this.mode = mode;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.getLocalPort();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
  }

  /** The first chunk each connection sent, in accept order. */
  public List<byte[]> firstChunks() {
    return firstChunks;
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
      s.setSoTimeout(30_000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16 * 1024];
      switch (mode) {
        case ECHO -> {
          boolean first = true;
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            if (first) {
              firstChunks.add(java.util.Arrays.copyOf(buf, n));
              first = false;
            }
            s.getOutputStream().write(buf, 0, n);
          }
        }
        case NAME -> {
          int n = in.read(buf);
          if (n > 0) {
            firstChunks.add(java.util.Arrays.copyOf(buf, n));
            s.getOutputStream().write(name.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
          }
          while (in.read(buf) >= 0) {
            // keep the connection until the client leaves
          }
        }
        case REPLY_AFTER_FIN -> {
          ByteArrayOutputStream all = new ByteArrayOutputStream();
          for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            all.write(buf, 0, n);
          }
          firstChunks.add(all.toByteArray());
          s.getOutputStream().write("got:".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().write(all.toByteArray());
          s.getOutputStream().flush();
        }
      }
    } catch (IOException e) {
      // the client or the test closed the connection
    } finally {
      open.remove(s);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
