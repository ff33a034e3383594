package io.attache.dataplane.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A TCP relay between two proxies that keeps a copy of the first bytes sent towards the target, so
 * a test can prove what is on the wire. Loopback only; threads end when the sockets close.
 */
final class TlsRelay implements AutoCloseable {
  private static final int CAPTURE_LIMIT = 64 * 1024;
  private final ServerSocket server;
  private final int targetPort;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final List<Socket> sockets = new ArrayList<>();

  TlsRelay(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::acceptLoop, "tls-relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Everything (up to 64 KiB) sent from the client side towards the target so far. */
  synchronized byte[] captured() {
    return captured.toByteArray();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        synchronized (this) {
          sockets.add(client);
          sockets.add(target);
        }
        pump(client.getInputStream(), target.getOutputStream(), true);
        pump(target.getInputStream(), client.getOutputStream(), false);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(InputStream in, OutputStream out, boolean capture) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  if (capture) {
                    synchronized (this) {
                      captured.write(buf, 0, Math.min(n, CAPTURE_LIMIT - captured.size()));
                    }
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // one side closed
              } finally {
                try {
                  out.close();
                } catch (IOException ignored) {
                  // already closed
                }
              }
            },
            "tls-relay-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public synchronized void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
