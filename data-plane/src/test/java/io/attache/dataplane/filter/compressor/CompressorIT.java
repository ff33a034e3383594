package io.attache.dataplane.filter.compressor;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compressor filter on real sockets: an upstream's JSON answer reaches a client that accepts
 * gzip compressed (chunked, {@code content-encoding: gzip}, {@code vary}) and decompresses to what
 * the upstream sent; a client without {@code accept-encoding} gets it as sent; a request body is
 * compressed on its way up; the counters are Envoy's.
 */
class CompressorIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.compressor
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                    compressor_library:
                      name: text
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
                    request_direction_config: {}
                    response_direction_config:
                      common_config:
                        min_content_length: 100
      """;

  private static final String BODY = "{\"items\": [" + "\"attache\", ".repeat(200) + "\"end\"]}";
  private static final String ROOT = "http.ingress.compressor.text.gzip.";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream =
        TestHttpServer.http1(
            received ->
                TestHttpServer.Reply.ok(BODY)
                    .withHeader("content-type", "application/json")
                    .withHeader("etag", "\"strong\""));
    proxy =
        ProxyHarness.start(
            bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", FILTERS));
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
    HttpRequest.Builder request =
        HttpRequest.newBuilder(proxy.uri("/items")).timeout(Duration.ofSeconds(10));
    if (acceptEncoding != null) {
      request.header("accept-encoding", acceptEncoding);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aClientThatAcceptsGzipGetsTheUpstreamsAnswerCompressed() throws Exception {
    HttpResponse<byte[]> response = get("gzip, deflate");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(response.headers().firstValue("vary")).hasValue("Accept-Encoding");
    assertThat(response.headers().firstValue("content-length")).isEmpty();
    assertThat(response.headers().firstValue("etag")).isEmpty();
    assertThat(response.body().length).isLessThan(BODY.length() / 4);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(BODY);
    }
    assertThat(proxy.stat(ROOT + "response.compressed")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "header_compressor_used")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "response.total_uncompressed_bytes")).isEqualTo(BODY.length());
    assertThat(proxy.stat(ROOT + "response.total_compressed_bytes"))
        .isEqualTo(response.body().length);
  }

  @Test
  void aClientWithoutAcceptEncodingGetsTheAnswerAsTheUpstreamSentIt() throws Exception {
    HttpResponse<byte[]> response = get(null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-encoding")).isEmpty();
    assertThat(response.headers().firstValue("vary")).hasValue("Accept-Encoding");
    assertThat(response.headers().firstValue("etag")).hasValue("\"strong\"");
    assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(BODY);
    assertThat(proxy.stat(ROOT + "no_accept_header")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "response.not_compressed")).isEqualTo(1);
  }

  @Test
  void aRequestBodyIsCompressedOnItsWayToTheUpstream() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(proxy.uri("/items"))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(BODY))
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    TestHttpServer.Received received = upstream.received().get(0);
    assertThat(received.headers().get("content-encoding")).isEqualTo("gzip");
    // The proxy sent it chunked; the test upstream aggregates it and counts what arrived.
    assertThat(Integer.parseInt(received.headers().get("content-length")))
        .isEqualTo(proxy.stat(ROOT + "request.total_compressed_bytes"))
        .isLessThan(BODY.length() / 4);
    assertThat(proxy.stat(ROOT + "request.compressed")).isEqualTo(1);
    assertThat(proxy.stat(ROOT + "request.total_uncompressed_bytes")).isEqualTo(BODY.length());
  }
}
