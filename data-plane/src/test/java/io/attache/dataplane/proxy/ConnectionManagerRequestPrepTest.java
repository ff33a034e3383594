package io.attache.dataplane.proxy;

import static io.attache.dataplane.proxy.StreamHarness.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the connection manager does to a request before the first filter sees it — the trust
 * decision with the {@code x-envoy-*} control headers, path normalisation — and how its local
 * replies leave an HTTP/1.1 connection, on virtual time without sockets.
 */
class ConnectionManagerRequestPrepTest {
  /** An edge listener (the harness's peer, 127.0.0.1, is external: no internal_address_config). */
  private static final String EDGE_HCM =
      """
      stat_prefix: ingress
      use_remote_address: true
      normalize_path: true
      merge_slashes: true
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: backend }
      """;

  private final List<HttpRequest> seen = new ArrayList<>();
  private StreamHarness harness;

  @AfterEach
  void releaseBuffers() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  /** The first filter: records the request it is given, then answers 200 itself. */
  private final class FirstFilter implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      seen.add(request);
      callbacks.sendLocalReply(200, "seen", "test");
      return FilterHeadersStatus.STOP_ITERATION;
    }
  }

  private StreamHarness harness(String hcm, FilterChainEntry... filters) throws Exception {
    harness = new StreamHarness(hcm, context -> List.of(filters));
    return harness;
  }

  private FilterChainEntry recorder() {
    return entry("recorder", callbacks -> callbacks.addStreamDecoderFilter(new FirstFilter()));
  }

  private static HttpRequest get(String path) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set(HttpHeaderNames.HOST, "example.com");
    return request;
  }

  private static HttpHeaders responseHeaders(StreamHarness h) {
    for (HttpObject o : h.downstream.written) {
      if (o instanceof HttpResponse r) {
        return r.headers();
      }
    }
    throw new AssertionError("no response written");
  }

  @Test
  void theFirstFilterSeesTheNormalisedPathAndNoneOfTheControlHeadersAnExternalClientSent()
      throws Exception {
    StreamHarness h = harness(EDGE_HCM, recorder());
    HttpRequest request = get("//api/./v1/../admin");
    request
        .headers()
        .set("x-envoy-internal", "true")
        .set("x-envoy-retry-on", "5xx")
        .set("x-envoy-upstream-rq-timeout-ms", "600000")
        .set("x-envoy-external-address", "10.0.0.1")
        .set("x-envoy-decorator-operation", "forged");

    h.request(request);

    assertThat(seen).hasSize(1);
    HttpRequest first = seen.get(0);
    assertThat(first.uri()).isEqualTo("/api/admin");
    assertThat(first.headers().names())
        .doesNotContain(
            "x-envoy-internal",
            "x-envoy-retry-on",
            "x-envoy-upstream-rq-timeout-ms",
            "x-envoy-decorator-operation");
    assertThat(first.headers().get("x-envoy-external-address")).isEqualTo("127.0.0.1");
    assertThat(first.headers().get("x-forwarded-for"))
        .as("a loopback peer is recorded as the server's own address, as in Envoy")
        .isEqualTo(io.attache.dataplane.trust.LocalAddress.get().getHostAddress());
    assertThat(h.info().downstreamRemoteAddress()).isEqualTo(InetAddress.getByName("127.0.0.1"));
  }

  @Test
  void aPathTheNormaliserRejectsIsAnswered400AndNoFilterRuns() throws Exception {
    StreamHarness h = harness(EDGE_HCM, recorder());

    h.request(get("/admin%00.png"));

    assertThat(seen).isEmpty();
    assertThat(h.downstream.status()).isEqualTo(400);
    assertThat(h.info().responseCodeDetails()).isEqualTo("path_normalization_failed");
    assertThat(h.counter("http.ingress.downstream_rq_failed_path_normalization")).isEqualTo(1);
  }

  @Test
  void aLocalReplyToABodilessRequestKeepsTheConnectionAndCompletesWhenTheRequestEnds()
      throws Exception {
    StreamHarness h = harness(EDGE_HCM, recorder());

    h.request(get("/"));

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(responseHeaders(h).get(HttpHeaderNames.CONNECTION)).isNull();
    assertThat(h.downstream.completed).isFalse();

    h.body(LastHttpContent.EMPTY_LAST_CONTENT); // the decoder's end of a bodiless request

    assertThat(h.downstream.completed).isTrue();
    assertThat(h.downstream.closeRequested).isFalse();
  }

  @Test
  void aLocalReplyWhileARequestBodyIsStillDueClosesTheConnection() throws Exception {
    StreamHarness h = harness(EDGE_HCM, recorder());
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    post.headers().set(HttpHeaderNames.HOST, "example.com").set("content-length", "5");

    h.request(post);

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(responseHeaders(h).get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(h.downstream.completed).isTrue();
    assertThat(h.downstream.closeRequested).isTrue();
    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8)));
  }
}
