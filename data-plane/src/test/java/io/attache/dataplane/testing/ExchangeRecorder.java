package io.attache.dataplane.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * Sends the same named HTTP/1.1 requests to one proxy and records what each got, reduced to what
 * two proxies must agree on: status, body (decoded when {@code content-encoding} is gzip, br or
 * zstd), the named response headers, and the named headers the upstream saw (or that it saw
 * nothing). The proxy's port is written {@code PORT} in every value, so two proxies' records
 * compare equal. It only records; the test decides what a difference means.
 */
public final class ExchangeRecorder {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

  /** One request: method, path (with query), header name/value pairs, body ({@code ""}: none). */
  public record Request(String method, String path, List<String> headers, String body) {
    public static Request get(String path, String... headerPairs) {
      return new Request("GET", path, List.of(headerPairs), "");
    }

    public static Request of(String method, String path, String body, String... headerPairs) {
      return new Request(method, path, List.of(headerPairs), body);
    }
  }

  /**
   * What one request got.
   *
   * @param upstreamHeaders the compared headers the upstream saw; null when it saw no request
   */
  public record Observed(
      int status,
      String body,
      SortedMap<String, String> responseHeaders,
      SortedMap<String, String> upstreamHeaders) {
    public boolean forwarded() {
      return upstreamHeaders != null;
    }
  }

  private final TestHttpServer upstream;
  private final Set<String> responseHeaders;
  private final Set<String> upstreamHeaders;

  /**
   * @param upstream the upstream whose received requests are recorded
   * @param responseHeaders the response headers compared (lower case)
   * @param upstreamHeaders the request headers compared as the upstream saw them (lower case)
   */
  public ExchangeRecorder(
      TestHttpServer upstream, Set<String> responseHeaders, Set<String> upstreamHeaders) {
    this.upstream = upstream;
    this.responseHeaders = responseHeaders;
    this.upstreamHeaders = upstreamHeaders;
  }

  /** Sends every request in order to 127.0.0.1:{@code port}; what each got, by name. */
  public Map<String, Observed> send(int port, Map<String, Request> requests) throws Exception {
    Map<String, Observed> out = new LinkedHashMap<>();
    for (Map.Entry<String, Request> e : requests.entrySet()) {
      out.put(e.getKey(), send(port, e.getValue()));
    }
    return out;
  }

  private Observed send(int port, Request r) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r.path()))
            .timeout(REQUEST_TIMEOUT)
            .method(
                r.method(),
                r.body().isEmpty()
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(r.body()));
    for (int i = 0; i + 1 < r.headers().size(); i += 2) {
      b.header(r.headers().get(i), r.headers().get(i + 1));
    }
    int before = upstream.received().size();
    // A client per request, so each exchange has its own connection: whether a proxy keeps a
    // connection after a local reply to an unread body (buffer's early 413) is not what the
    // scenarios compare, and a pooled connection the proxy has just closed made them flaky.
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<byte[]> response = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    String portText = String.valueOf(port);
    SortedMap<String, String> headers = new TreeMap<>();
    for (String name : responseHeaders) {
      response
          .headers()
          .firstValue(name)
          .ifPresent(v -> headers.put(name, v.replace(portText, "PORT")));
    }
    SortedMap<String, String> seen = null;
    if (upstream.received().size() > before) {
      var request = upstream.received().get(upstream.received().size() - 1);
      seen = new TreeMap<>();
      for (String name : upstreamHeaders) {
        String v = request.headers().getAll(name).isEmpty() ? null : request.headers().get(name);
        if (v != null) {
          seen.put(name, v.replace(portText, "PORT"));
        }
      }
    }
    String coding =
        response
            .headers()
            .firstValue("content-encoding")
            .map(v -> v.toLowerCase(Locale.ROOT))
            .orElse("");
    // A HEAD's or a 304's compressed response has no body to decode.
    byte[] body = response.body().length > 0 ? decode(coding, response.body()) : response.body();
    return new Observed(
        response.statusCode(),
        new String(body, StandardCharsets.UTF_8).replace(portText, "PORT"),
        headers,
        seen);
  }

  /** The body as the client reads it: gzip, brotli and zstd decoded; anything else as sent. */
  private static byte[] decode(String coding, byte[] body) throws IOException {
    switch (coding) {
      case "gzip" -> {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
          return in.readAllBytes();
        }
      }
      case "br" -> {
        com.aayushatharva.brotli4j.Brotli4jLoader.ensureAvailability();
        com.aayushatharva.brotli4j.decoder.DirectDecompress decoded =
            com.aayushatharva.brotli4j.decoder.Decoder.decompress(body);
        if (decoded.getResultStatus()
            != com.aayushatharva.brotli4j.decoder.DecoderJNI.Status.DONE) {
          throw new IOException("not a whole brotli stream: " + decoded.getResultStatus());
        }
        return decoded.getDecompressedData();
      }
      case "zstd" -> {
        try (com.github.luben.zstd.ZstdInputStream in =
            new com.github.luben.zstd.ZstdInputStream(new ByteArrayInputStream(body))) {
          return in.readAllBytes();
        }
      }
      default -> {
        return body;
      }
    }
  }
}
