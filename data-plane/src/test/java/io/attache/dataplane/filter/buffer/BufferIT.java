package io.attache.dataplane.filter.buffer;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The buffer filter on real sockets: a chunked upload reaches the upstream whole with a {@code
 * content-length}, an upload past {@code max_request_bytes} is answered 413 by the proxy, and a
 * route that disables the filter forwards an upload past that size as it comes.
 */
class BufferIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.buffer
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                    max_request_bytes: 32
      """;

  private static final String ROUTES =
      """
      - match: { prefix: "/stream" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.buffer:
            "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
            disabled: true
      - match: { prefix: "/" }
        route: { cluster: backend }
      """;

  private static final String TEN = "0123456789";

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap("", ROUTES, staticCluster("backend", "", upstream.port()))
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

  /** A POST whose body has no length up front, so HTTP/1.1 sends it chunked. */
  private HttpResponse<String> upload(String path, String... parts) throws Exception {
    List<byte[]> chunks =
        java.util.Arrays.stream(parts).map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
    return proxy.send(
        HttpRequest.newBuilder(proxy.uri(path))
            .POST(HttpRequest.BodyPublishers.ofByteArrays(chunks)));
  }

  @Test
  void aChunkedUploadReachesTheUpstreamWholeWithAContentLength() throws Exception {
    HttpResponse<String> response = upload("/upload", "hello ", "buffered ", "world");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    TestHttpServer.Received received = upstream.received().get(0);
    assertThat(received.body()).isEqualTo("hello buffered world");
    assertThat(received.headers().get("content-length")).isEqualTo("20");
  }

  @Test
  void anUploadPastMaxRequestBytesIsAnswered413AndNeverReachesTheUpstream() throws Exception {
    HttpResponse<String> response = upload("/upload", TEN, TEN, TEN, TEN);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).isEqualTo("Payload Too Large");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.downstream_rq_too_large")).isEqualTo(1);
  }

  @Test
  void aRouteThatDisablesTheFilterForwardsALargerUploadAsItCame() throws Exception {
    HttpResponse<String> response = upload("/stream", TEN, TEN, TEN, TEN);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    assertThat(upstream.received().get(0).body()).isEqualTo(TEN.repeat(4));
    assertThat(proxy.stat("http.ingress.downstream_rq_too_large")).isZero();
  }
}
