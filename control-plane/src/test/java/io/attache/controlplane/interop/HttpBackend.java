package io.attache.controlplane.interop;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 upstream on 127.0.0.1 for the stock-Envoy tests: answers every request with the
 * status the test chose and its own name as the body, and counts attempts per method so retries are
 * visible from the upstream's side. Must never decide routing or retries itself.
 */
final class HttpBackend implements AutoCloseable {

  private final String name;
  private final HttpServer server;
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private volatile int status = 200;

  private HttpBackend(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.createContext("/", this::handle);
    server.start();
  }

  static HttpBackend start(String name) throws IOException {
    return new HttpBackend(name);
  }

  int port() {
    return server.getAddress().getPort();
  }

  void answer(int httpStatus) {
    status = httpStatus;
  }

  int attempts(String method) {
    return attempts.computeIfAbsent(method, k -> new AtomicInteger()).get();
  }

  int attempts() {
    return attempts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    attempts
        .computeIfAbsent(exchange.getRequestMethod(), k -> new AtomicInteger())
        .incrementAndGet();
    exchange.getRequestBody().readAllBytes();
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
