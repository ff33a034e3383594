package io.attache.controlplane.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A wire tap between two proxies: accepts on an ephemeral port of 127.0.0.1, forwards every
 * connection byte for byte to a target port, and keeps the first bytes the first caller sent, so a
 * test can see what travels between sidecars (a TLS ClientHello or plaintext HTTP). It never
 * changes a byte and never parses what it forwards; one thread per direction and connection.
 */
public final class TcpRelay implements AutoCloseable {

  private static final int CAPTURED = 16;

  private final ServerSocket server;
  private final int targetPort;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicReference<byte[]> firstBytes = new AtomicReference<>();

  private TcpRelay(int targetPort) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetPort = targetPort;
    threads.execute(this::acceptLoop);
  }

  public static TcpRelay to(int targetPort) throws IOException {
    return new TcpRelay(targetPort);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Up to the first 16 bytes the first caller sent, or empty while nobody has sent any. */
  public byte[] firstBytes() {
    byte[] bytes = firstBytes.get();
    return bytes == null ? new byte[0] : bytes.clone();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket caller = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(caller);
        open.add(target);
        threads.execute(() -> pump(caller, target, true));
        threads.execute(() -> pump(target, caller, false));
      } catch (IOException closedOrRefused) {
        // the relay is closing, or the target is down: the caller sees its connection fail
      }
    }
  }

  private void pump(Socket from, Socket to, boolean capture) {
    byte[] buffer = new byte[8192];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        if (capture) {
          firstBytes.compareAndSet(null, Arrays.copyOf(buffer, Math.min(n, CAPTURED)));
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException closed) {
      // either side went away; closing both below ends the other direction too
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket socket) {
    open.remove(socket);
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    open.forEach(this::closeQuietly);
    threads.shutdownNow();
  }
}
