package io.attache.dataplane.xds;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream whose slow answers the test controls, on the JDK's HTTP server with a thread per
 * exchange (a held response never stalls the others): {@code /slow} answers once {@link
 * #releaseSlow} is called; {@code /stream} sends a chunked body, one chunk per {@link #sendChunk},
 * until {@link #endStream}; anything else answers at once. Every answer carries {@code x-upstream}
 * with this server's name.
 */
final class BlockingUpstream implements AutoCloseable {
  private static final byte[] END = new byte[0];

  private final String name;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch slowReleased = new CountDownLatch(1);
  private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
  final AtomicInteger slowStarted = new AtomicInteger();
  final AtomicInteger streamsStarted = new AtomicInteger();

  BlockingUpstream(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void releaseSlow() {
    slowReleased.countDown();
  }

  void sendChunk(String text) {
    chunks.add(text.getBytes(StandardCharsets.UTF_8));
  }

  void endStream() {
    chunks.add(END);
  }

  private void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    exchange.getResponseHeaders().add("x-upstream", name);
    String path = exchange.getRequestURI().getPath();
    try (exchange) {
      if (path.startsWith("/slow")) {
        slowStarted.incrementAndGet();
        await(slowReleased);
        send(exchange, "slow");
      } else if (path.startsWith("/stream")) {
        streamsStarted.incrementAndGet();
        exchange.sendResponseHeaders(200, 0); // chunked
        OutputStream body = exchange.getResponseBody();
        for (byte[] chunk = take(); chunk != END; chunk = take()) {
          body.write(chunk);
          body.flush();
        }
      } else {
        send(exchange, name + " " + path);
      }
    }
  }

  private static void send(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private byte[] take() {
    try {
      byte[] chunk = chunks.poll(30, TimeUnit.SECONDS);
      return chunk == null ? END : chunk;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return END;
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    releaseSlow();
    endStream();
    server.stop(0);
    threads.shutdownNow();
  }
}
