package io.attache.dataplane.filter.compressor;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.decoder.Decoder;
import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import com.aayushatharva.brotli4j.decoder.DirectDecompress;
import com.github.luben.zstd.ZstdInputStream;
import io.attache.dataplane.testing.FilterDifferential;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Brotli and zstd compressor filters in one chain on real sockets (the shape of Envoy's brotli and
 * zstd examples, both at once): a large JSON answer reaches a client asking for {@code br} as
 * brotli and one asking for {@code zstd} as zstd, each decoding to what the upstream sent; with
 * several codings accepted the highest q-value wins, and the filter that lost counts {@code
 * header_compressor_overshadowed}.
 */
public class NativeCompressorsIT {
  /** The brotli and zstd compressors, an {@code http_filters} list without the router. */
  public static final String COMPRESSORS =
      """
      - name: envoy.filters.http.compressor
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
          response_direction_config:
            common_config:
              min_content_length: 100
              content_type: [application/json]
          compressor_library:
            name: text_optimized
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.compression.brotli.compressor.v3.Brotli
              window_bits: 10
      - name: envoy.filters.http.compressor
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
          response_direction_config:
            common_config:
              min_content_length: 100
              content_type: [application/json]
          compressor_library:
            name: text_optimized
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.compression.zstd.compressor.v3.Zstd
              compression_level: 10
      """;

  private static final String BODY =
      "{\"items\": [" + "\"attache\", \"brotli\", \"zstd\", ".repeat(20_000) + "\"end\"]}";
  private static final String BROTLI = "http.ingress.compressor.text_optimized.brotli.";
  private static final String ZSTD = "http.ingress.compressor.text_optimized.zstd.";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream =
        TestHttpServer.http1(
            received ->
                TestHttpServer.Reply.ok(BODY).withHeader("content-type", "application/json"));
    proxy =
        ProxyHarness.start(
            ProxyPair.withHttpFilters(
                bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    staticCluster("backend", "", upstream.port())),
                "http_filters:\n" + COMPRESSORS + FilterDifferential.ROUTER));
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

  private HttpResponse<byte[]> get(String acceptEncoding) throws Exception {
    return client.send(
        HttpRequest.newBuilder(proxy.uri("/items"))
            .timeout(Duration.ofSeconds(10))
            .header("accept-encoding", acceptEncoding)
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aClientAskingForBrotliGetsALargeAnswerAsBrotli() throws Exception {
    HttpResponse<byte[]> response = get("br");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-encoding")).hasValue("br");
    assertThat(response.headers().firstValue("content-length")).isEmpty();
    assertThat(response.body().length).isLessThan(BODY.length() / 10);
    Brotli4jLoader.ensureAvailability();
    DirectDecompress decoded = Decoder.decompress(response.body());
    assertThat(decoded.getResultStatus()).isEqualTo(DecoderJNI.Status.DONE);
    assertThat(new String(decoded.getDecompressedData(), StandardCharsets.UTF_8)).isEqualTo(BODY);
    assertThat(proxy.stat(BROTLI + "response.compressed")).isEqualTo(1);
    assertThat(proxy.stat(BROTLI + "header_compressor_used")).isEqualTo(1);
    assertThat(proxy.stat(BROTLI + "response.total_uncompressed_bytes")).isEqualTo(BODY.length());
    assertThat(proxy.stat(BROTLI + "response.total_compressed_bytes"))
        .isEqualTo(response.body().length);
    assertThat(proxy.stat(ZSTD + "header_compressor_overshadowed")).isEqualTo(1);
    assertThat(proxy.stat(ZSTD + "response.not_compressed")).isEqualTo(1);
  }

  @Test
  void aClientAskingForZstdGetsALargeAnswerAsZstd() throws Exception {
    HttpResponse<byte[]> response = get("zstd");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-encoding")).hasValue("zstd");
    assertThat(response.body().length).isLessThan(BODY.length() / 10);
    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(response.body()))) {
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        decoded.write(buffer, 0, n);
      }
    }
    assertThat(decoded.toString(StandardCharsets.UTF_8)).isEqualTo(BODY);
    assertThat(proxy.stat(ZSTD + "response.compressed")).isEqualTo(1);
    assertThat(proxy.stat(ZSTD + "header_compressor_used")).isEqualTo(1);
    assertThat(proxy.stat(BROTLI + "header_compressor_overshadowed")).isEqualTo(1);
  }

  @Test
  void theHighestQValueAmongTheChainsCodingsWins() throws Exception {
    HttpResponse<byte[]> response = get("br;q=0.5, zstd;q=0.8, gzip");

    assertThat(response.headers().firstValue("content-encoding")).hasValue("zstd");
    assertThat(proxy.stat(ZSTD + "header_compressor_used")).isEqualTo(1);
    assertThat(proxy.stat(BROTLI + "header_compressor_overshadowed")).isEqualTo(1);
  }
}
