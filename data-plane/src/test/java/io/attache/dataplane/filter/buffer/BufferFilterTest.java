package io.attache.dataplane.filter.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The buffer filter on the connection manager's chain, without sockets: the request held until it
 * is whole, the stream's buffer limit raised or lowered to {@code max_request_bytes} (413 past it),
 * and the per-route overrides. A recording terminal filter stands in for the router.
 */
class BufferFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/stream" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.buffer:
                "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                disabled: true
          - match: { prefix: "/small" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.buffer:
                "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                buffer: { max_request_bytes: 4 }
          - match: { prefix: "/" }
            route: { cluster: backend }
      http_filters:
      - name: envoy.filters.http.buffer
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
          max_request_bytes: 2097152
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private final List<String> events = new ArrayList<>();
  private final StreamHarness harness;

  BufferFilterTest() throws Exception {
    var configured = StreamHarness.configuredFilters(HCM);
    harness =
        new StreamHarness(
            HCM,
            context -> {
              List<FilterChainEntry> chain = new ArrayList<>(configured.apply(context));
              chain.set(
                  chain.size() - 1,
                  StreamHarness.entry(
                      "terminal", callbacks -> callbacks.addStreamDecoderFilter(new Terminal())));
              return chain;
            });
  }

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  /** Records what reaches the end of the chain and answers 200 once the request is whole. */
  private final class Terminal implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      events.add("headers content-length=" + request.headers().get("content-length"));
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      events.add("data " + data.content().readableBytes());
      data.release();
      if (endStream) {
        callbacks.encodeHeaders(
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), true);
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
  }

  private static HttpRequest post(String path) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
    // Chunked: the body's length is unknown, so the filter must count it.
    request.headers().set("host", "example.com").set("transfer-encoding", "chunked");
    return request;
  }

  private static HttpContent chunk(int bytes) {
    return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
  }

  private static HttpContent last(int bytes) {
    return new DefaultLastHttpContent(Unpooled.wrappedBuffer(new byte[bytes]));
  }

  private int status() {
    return harness.downstream.written.stream()
        .filter(HttpResponse.class::isInstance)
        .map(o -> ((HttpResponse) o).status().code())
        .findFirst()
        .orElse(0);
  }

  @Test
  void theRequestIsHeldUntilItIsWholeThenGoesOnWithTheContentLengthItLacked() {
    harness.request(post("/upload"));
    harness.body(chunk(3));
    harness.body(chunk(4));

    assertThat(events).isEmpty();
    assertThat(harness.downstream.readsRequested)
        .as("the chain reads on while the filter buffers")
        .isGreaterThanOrEqualTo(2);

    harness.body(last(5));

    assertThat(events).containsExactly("headers content-length=12", "data 3", "data 4", "data 5");
    assertThat(status()).isEqualTo(200);
  }

  @Test
  void aBodyPastMaxRequestBytesIsAnswered413AndNeverReachesTheRouter() {
    harness.request(post("/upload"));
    harness.body(chunk(1024 * 1024));
    harness.body(chunk(1024 * 1024));

    assertThat(status())
        .as("2 MiB is within max_request_bytes, though above the 1 MiB connection default")
        .isZero();

    harness.body(chunk(1));

    assertThat(status()).isEqualTo(413);
    assertThat(events).isEmpty();
    assertThat(harness.info().responseCodeDetails()).isEqualTo("request_payload_too_large");
    assertThat(harness.counter("http.ingress.downstream_rq_too_large")).isEqualTo(1);
  }

  @Test
  void aRouteWithItsOwnBufferSizeAnswers413AtThatSize() {
    harness.request(post("/small"));
    harness.body(chunk(4));
    assertThat(status()).isZero();

    harness.body(chunk(1));

    assertThat(status()).isEqualTo(413);
    assertThat(events).isEmpty();
  }

  @Test
  void aRouteThatDisablesTheFilterStreamsTheBodyAsItComes() {
    harness.request(post("/stream"));
    assertThat(events).containsExactly("headers content-length=null");

    harness.body(chunk(3));
    assertThat(events).containsExactly("headers content-length=null", "data 3");

    harness.body(last(0));
    assertThat(status()).isEqualTo(200);
    assertThat(harness.counter("http.ingress.downstream_rq_too_large")).isZero();
  }

  @Test
  void aRequestWithoutABodyIsNotHeld() {
    var get =
        new io.netty.handler.codec.http.DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
    get.headers().set("host", "example.com");
    harness.request(get);

    assertThat(events).containsExactly("headers content-length=null");
  }
}
