package io.attache.dataplane.filter.decompressor;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One decompressor bootstrap run by Attaché and by a stock Envoy against the same gzip upstream:
 * each proxy must give the client the same status, body and codings, send the upstream the same
 * {@code accept-encoding}, {@code content-encoding} and body, and count the same stats.
 */
@ExtendWith(StockEnvoyExtension.class)
class DecompressorDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private Envoy envoy;
  private GzipUpstream upstream;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    upstream = new GzipUpstream();
    closeAfter.add(upstream);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  /** What one exchange looked like from the client and from the upstream. */
  record Outcome(
      int status,
      String body,
      String contentEncoding,
      boolean contentLength,
      GzipUpstream.Seen upstreamSaw) {}

  /** A request: method, path, headers, gzipped body or none. */
  record Exchange(String path, Map<String, String> headers, byte[] body) {}

  private Map<String, Outcome> run(int port, Map<String, Exchange> exchanges) throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    Map<String, Outcome> out = new LinkedHashMap<>();
    for (Map.Entry<String, Exchange> e : exchanges.entrySet()) {
      Exchange x = e.getValue();
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + x.path()))
              .timeout(Duration.ofSeconds(20));
      x.headers().forEach(b::header);
      if (x.body() != null) {
        b.POST(HttpRequest.BodyPublishers.ofByteArray(x.body()));
      }
      int before = upstream.seen().size();
      HttpResponse<byte[]> response =
          client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      out.put(
          e.getKey(),
          new Outcome(
              response.statusCode(),
              new String(response.body(), StandardCharsets.ISO_8859_1),
              response.headers().firstValue("content-encoding").orElse(null),
              response.headers().firstValue("content-length").isPresent(),
              upstream.seen().size() > before ? upstream.seen().get(before) : null));
    }
    return out;
  }

  @Test
  void attacheAndEnvoyInflateAdvertiseAndCountAlike() throws Exception {
    byte[] gz = GzipUpstream.GZIPPED;
    Map<String, Exchange> exchanges = new LinkedHashMap<>();
    exchanges.put("gzipped answer", new Exchange("/items", Map.of(), null));
    exchanges.put(
        "client asks for br and gzip;q=0.2",
        new Exchange("/items", GzipUpstream.headers("accept-encoding", "br, gzip;q=0.2"), null));
    exchanges.put("no-transform answer", new Exchange("/no-transform", Map.of(), null));
    exchanges.put("plain answer", new Exchange("/plain", Map.of(), null));
    exchanges.put(
        "gzipped upload",
        new Exchange("/plain/upload", GzipUpstream.headers("content-encoding", "gzip"), gz));
    exchanges.put(
        "gzip then identity upload",
        new Exchange(
            "/plain/upload", GzipUpstream.headers("content-encoding", "gzip, identity"), gz));
    exchanges.put(
        "no-transform upload",
        new Exchange(
            "/plain/upload",
            GzipUpstream.headers("content-encoding", "gzip", "cache-control", "no-transform"),
            gz));
    exchanges.put(
        "plain upload",
        new Exchange("/plain/upload", Map.of(), "plain".getBytes(StandardCharsets.UTF_8)));

    String yaml = DecompressorIT.yaml(upstream.port());
    ProxyHarness attache = ProxyHarness.start(yaml);
    closeAfter.add(attache::close);
    Map<String, Outcome> fromAttache = run(attache.port(), exchanges);
    Map<String, Long> attacheStats = new LinkedHashMap<>();
    for (String c : GzipUpstream.COUNTERS) {
      attacheStats.put(c, attache.stat(DecompressorIT.ROOT + c));
    }

    RunningEnvoy running = envoy.start("decompressor", yaml, dir.resolve("envoy"));
    closeAfter.add(running);
    Map<String, Outcome> fromEnvoy = run(ProxyPair.listenerPort(running, "ingress"), exchanges);
    Map<String, Long> envoyStats = new LinkedHashMap<>();
    for (String c : GzipUpstream.COUNTERS) {
      envoyStats.put(c, running.stat(DecompressorIT.ROOT + c));
    }

    assertThat(fromAttache).as("Attaché vs %s", envoy.describe()).isEqualTo(fromEnvoy);
    assertThat(fromAttache.get("gzipped answer").body()).isEqualTo(GzipUpstream.TEXT);
    assertThat(fromAttache.get("gzipped upload").upstreamSaw().body()).isEqualTo(GzipUpstream.TEXT);
    assertThat(attacheStats).as("Attaché vs %s", envoy.describe()).isEqualTo(envoyStats);
    assertThat(attacheStats.get("response.decompressed")).isEqualTo(2);
  }
}
