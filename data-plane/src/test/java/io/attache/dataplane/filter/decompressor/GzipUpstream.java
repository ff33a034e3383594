package io.attache.dataplane.filter.decompressor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

/**
 * A real HTTP/1.1 upstream on an ephemeral loopback port that answers every request with {@link
 * #TEXT} gzipped ({@code content-encoding: gzip} and its length; {@code /no-transform} adds {@code
 * cache-control: no-transform}, {@code /plain} sends the text as it is) and records what each
 * request brought: its {@code accept-encoding}, {@code content-encoding} and body bytes.
 * Binary-safe, unlike the text-bodied test server.
 */
final class GzipUpstream implements AutoCloseable {
  static final String TEXT = "{\"items\": [" + "\"attache\", ".repeat(300) + "\"end\"]}";
  static final byte[] GZIPPED = gzip(TEXT);

  /** What one request brought upstream. */
  record Seen(String path, String acceptEncoding, String contentEncoding, String body) {}

  private final HttpServer server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  GzipUpstream() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::answer);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  List<Seen> seen() {
    return seen;
  }

  private void answer(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    String path = exchange.getRequestURI().getPath();
    var h = exchange.getRequestHeaders();
    seen.add(
        new Seen(
            path,
            h.getFirst("accept-encoding"),
            h.getFirst("content-encoding"),
            new String(body, StandardCharsets.ISO_8859_1)));
    byte[] reply = GZIPPED;
    if (path.startsWith("/plain")) {
      reply = TEXT.getBytes(StandardCharsets.UTF_8);
    } else {
      exchange.getResponseHeaders().set("content-encoding", "gzip");
    }
    if (path.startsWith("/no-transform")) {
      exchange.getResponseHeaders().set("cache-control", "no-transform");
    }
    exchange.getResponseHeaders().set("content-type", "application/json");
    exchange.sendResponseHeaders(200, reply.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(reply);
    }
  }

  static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  /** The counters both proxies must agree on, by name under the decompressor's root. */
  static final List<String> COUNTERS =
      List.of(
          "request.decompressed",
          "request.not_decompressed",
          "request.total_compressed_bytes",
          "request.total_uncompressed_bytes",
          "response.decompressed",
          "response.not_decompressed",
          "response.total_compressed_bytes",
          "response.total_uncompressed_bytes");

  static Map<String, String> headers(String... pairs) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
