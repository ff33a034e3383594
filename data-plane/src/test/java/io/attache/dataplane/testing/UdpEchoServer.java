package io.attache.dataplane.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real UDP echo server on 127.0.0.1 (ephemeral port): answers each datagram with {@code
 * <prefix><payload>} to its sender and records every sender and payload, so a test sees how many
 * upstream sockets a proxy used and what reached it. Runs on one daemon thread until closed.
 */
public final class UdpEchoServer implements AutoCloseable {
  private final DatagramSocket socket;
  private final String prefix;
  private final List<InetSocketAddress> senders = new CopyOnWriteArrayList<>();
  private final List<String> payloads = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean closed;

  public UdpEchoServer(String prefix) throws IOException {
    this.prefix = prefix;
    this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    socket.setSoTimeout(200); // so close() is noticed promptly
    this.thread = new Thread(this::serve, "udp-echo-" + socket.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Every datagram's sender, in arrival order. */
  public List<InetSocketAddress> senders() {
    return List.copyOf(senders);
  }

  /** Every datagram's payload (UTF-8), in arrival order. */
  public List<String> payloads() {
    return List.copyOf(payloads);
  }

  private void serve() {
    byte[] buf = new byte[65536];
    while (!closed) {
      DatagramPacket in = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(in);
      } catch (SocketTimeoutException e) {
        continue;
      } catch (IOException e) {
        return; // closed
      }
      senders.add((InetSocketAddress) in.getSocketAddress());
      String payload = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
      payloads.add(payload);
      byte[] reply = (prefix + payload).getBytes(StandardCharsets.UTF_8);
      try {
        socket.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
      } catch (SocketException e) {
        return;
      } catch (IOException e) {
        // one lost reply; the test that waits for it says so
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    socket.close();
    thread.join(5_000);
  }
}
