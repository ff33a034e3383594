package io.attache.dataplane.filter.decompressor;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decompressor filter on real sockets: an upstream's gzipped answer reaches a client as plain
 * text, the request that asked for it advertised gzip upstream, a gzipped upload reaches the
 * upstream inflated, {@code no-transform} keeps an answer compressed; the counters are Envoy's.
 */
class DecompressorIT {
  static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.decompressor
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
                    decompressor_library:
                      name: upload
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip
                        chunk_size: 8192
                        max_inflate_ratio: 1000
      """;

  static final String ROOT = "http.ingress.decompressor.upload.gzip.";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private GzipUpstream upstream;
  private ProxyHarness proxy;

  static String yaml(int upstreamPort) {
    return bootstrap(
            "", ProxyHarness.routeAllTo("backend"), staticCluster("backend", "", upstreamPort))
        .replace("          http_filters:\n", FILTERS);
  }

  @BeforeEach
  void start() throws Exception {
    upstream = new GzipUpstream();
    proxy = ProxyHarness.start(yaml(upstream.port()));
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aGzippedAnswerReachesTheClientInflatedAndTheRequestAdvertisedGzip() throws Exception {
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(proxy.uri("/items")).header("accept-encoding", "br"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-encoding")).isEmpty();
    assertThat(response.headers().firstValue("content-length")).isEmpty();
    assertThat(response.body()).isEqualTo(GzipUpstream.TEXT);
    assertThat(upstream.seen()).hasSize(1);
    assertThat(upstream.seen().get(0).acceptEncoding()).isEqualTo("br,gzip");
    assertThat(proxy.stat(ROOT + "response.decompressed")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "response.total_compressed_bytes"))
        .isEqualTo(GzipUpstream.GZIPPED.length);
    assertThat(proxy.stat(ROOT + "response.total_uncompressed_bytes"))
        .isEqualTo(GzipUpstream.TEXT.length());
  }

  @Test
  void aGzippedUploadReachesTheUpstreamInflated() throws Exception {
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(proxy.uri("/plain/upload"))
                .header("content-encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(GzipUpstream.GZIPPED)));

    assertThat(response.statusCode()).isEqualTo(200);
    GzipUpstream.Seen seen = upstream.seen().get(0);
    assertThat(seen.contentEncoding()).isNull();
    assertThat(seen.body()).isEqualTo(GzipUpstream.TEXT);
    assertThat(proxy.stat(ROOT + "request.decompressed")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "request.total_uncompressed_bytes"))
        .isEqualTo(GzipUpstream.TEXT.length());
    assertThat(proxy.stat(ROOT + "response.not_decompressed")).isEqualTo(1);
  }

  @Test
  void anAnswerMarkedNoTransformStaysCompressed() throws Exception {
    HttpResponse<byte[]> response =
        client.send(
            HttpRequest.newBuilder(proxy.uri("/no-transform"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(new String(GzipUpstream.GZIPPED, StandardCharsets.ISO_8859_1))
        .isEqualTo(new String(response.body(), StandardCharsets.ISO_8859_1));
    assertThat(proxy.stat(ROOT + "response.not_decompressed")).isEqualTo(1);
  }
}
