package io.attache.dataplane.filter.compressor;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The compressor filter on the connection manager's chain, without sockets: which responses and
 * requests it gzips (accept-encoding q-values, length, content type, etag, cache-control, per-route
 * overrides, the runtime flag), what it does to their headers, that every chunk leaves flushed, and
 * Envoy's stat names. A terminal filter stands in for the router and answers as each test says.
 */
class CompressorFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/off" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.compressor:
                "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                disabled: true
          - match: { prefix: "/keep-accept" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.compressor:
                "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
                overrides:
                  response_direction_config:
                    remove_accept_encoding_header: false
          - match: { prefix: "/" }
            route: { cluster: backend }
      http_filters:
      - name: envoy.filters.http.compressor
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
          compressor_library:
            name: text
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
              compression_level: BEST_COMPRESSION
          request_direction_config:
            common_config:
              min_content_length: 10
              content_type: [ "application/json" ]
          response_direction_config:
            common_config:
              enabled:
                default_value: true
                runtime_key: compressor.response.enabled
              content_type: [ "text/plain", "application/json" ]
            remove_accept_encoding_header: true
            uncompressible_response_codes: [ 206 ]
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String ROOT = "http.ingress.compressor.text.gzip.";
  private static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(20);

  private final StreamHarness harness;
  private final List<HttpObject> upstreamSaw = new ArrayList<>();
  private Consumer<StreamDecoderFilterCallbacks> respond = c -> {};

  CompressorFilterTest() throws Exception {
    harness = harnessFor(HCM);
  }

  private StreamHarness harnessFor(String hcm) throws Exception {
    var configured = StreamHarness.configuredFilters(hcm);
    return new StreamHarness(
        hcm,
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
    upstreamSaw.forEach(o -> io.netty.util.ReferenceCountUtil.release(o));
  }

  /** Records what reaches the end of the chain and answers once the request is whole. */
  private final class Terminal implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      upstreamSaw.add(request);
      if (endStream) {
        respond.accept(callbacks);
      }
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      upstreamSaw.add(data);
      if (data instanceof LastHttpContent) {
        respond.accept(callbacks);
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
  }

  private static HttpRequest get(String path, String acceptEncoding) {
    HttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    if (acceptEncoding != null) {
      request.headers().set("accept-encoding", acceptEncoding);
    }
    return request;
  }

  /** The terminal answers with headers, then each chunk, the last one with {@code trailers}. */
  private void streamedResponse(
      String contentType,
      Map<String, String> headers,
      Map<String, String> trailers,
      String... chunks) {
    respond =
        c -> {
          HttpResponse response =
              new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          response.headers().set("content-type", contentType);
          headers.forEach(response.headers()::set);
          c.encodeHeaders(response, false);
          for (int i = 0; i < chunks.length; i++) {
            ByteBuf bytes = Unpooled.copiedBuffer(chunks[i], StandardCharsets.UTF_8);
            if (i == chunks.length - 1) {
              DefaultLastHttpContent last = new DefaultLastHttpContent(bytes);
              trailers.forEach(last.trailingHeaders()::set);
              c.encodeData(last, true);
            } else {
              c.encodeData(new DefaultHttpContent(bytes), false);
            }
          }
        };
  }

  private void fullResponse(
      int status, String contentType, String body, Map<String, String> headers) {
    respond =
        c -> {
          FullHttpResponse response =
              new DefaultFullHttpResponse(
                  HttpVersion.HTTP_1_1,
                  HttpResponseStatus.valueOf(status),
                  Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
          response.headers().set("content-type", contentType);
          response.headers().setInt("content-length", response.content().readableBytes());
          headers.forEach(response.headers()::set);
          c.encodeHeaders(response, true);
        };
  }

  private HttpResponse responseHeaders() {
    return (HttpResponse)
        harness.downstream.written.stream()
            .filter(HttpResponse.class::isInstance)
            .findFirst()
            .orElseThrow();
  }

  private List<byte[]> bodyChunks() {
    List<byte[]> chunks = new ArrayList<>();
    for (HttpObject o : harness.downstream.written) {
      if (o instanceof HttpContent c) {
        byte[] bytes = new byte[c.content().readableBytes()];
        c.content().getBytes(c.content().readerIndex(), bytes);
        chunks.add(bytes);
      }
    }
    return chunks;
  }

  private byte[] body() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    bodyChunks().forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static String gunzip(byte[] gzip) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Inflates a gzip stream that has not ended yet: what a client can read so far. */
  private static String inflatePrefix(byte[] gzipPrefix) throws Exception {
    Inflater inflater = new Inflater(true);
    inflater.setInput(gzipPrefix, 10, gzipPrefix.length - 10);
    byte[] out = new byte[64 * 1024];
    int n = inflater.inflate(out);
    inflater.end();
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void aStreamedResponseIsGzippedChunkByChunkEachFlushedSoTheClientCanReadItAtOnce()
      throws Exception {
    streamedResponse(
        "text/plain; charset=utf-8",
        Map.of("content-length", String.valueOf(TEXT.length())),
        Map.of(),
        TEXT.substring(0, 450),
        TEXT.substring(450));
    harness.request(get("/", "gzip"));

    HttpHeaders h = responseHeaders().headers();
    assertThat(h.get("content-encoding")).isEqualTo("gzip");
    assertThat(h.contains("content-length")).isFalse();
    assertThat(h.get("vary")).isEqualTo("Accept-Encoding");
    List<byte[]> chunks = bodyChunks();
    assertThat(chunks).hasSize(2);
    assertThat(inflatePrefix(chunks.get(0))).isEqualTo(TEXT.substring(0, 450));
    assertThat(gunzip(body())).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "response.compressed")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "header_compressor_used")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "response.total_uncompressed_bytes"))
        .isEqualTo(TEXT.length());
    assertThat(harness.counter(ROOT + "response.total_compressed_bytes"))
        .isEqualTo(body().length)
        .isLessThan(TEXT.length() / 4);
  }

  @Test
  void aFullResponseIsReplacedByItsGzippedBody() throws Exception {
    fullResponse(200, "application/json", TEXT, Map.of());
    harness.request(get("/", "deflate, gzip;q=0.8"));

    FullHttpResponse response = (FullHttpResponse) responseHeaders();
    assertThat(response.headers().get("content-encoding")).isEqualTo("gzip");
    assertThat(gunzip(body())).isEqualTo(TEXT);
    assertThat(harness.downstream.status()).isEqualTo(200);
  }

  @Test
  void theTrailersOfACompressedResponseFollowItsLastChunk() throws Exception {
    streamedResponse("text/plain", Map.of(), Map.of("grpc-status", "0"), TEXT);
    harness.request(get("/", "gzip"));

    LastHttpContent last =
        (LastHttpContent)
            harness.downstream.written.stream()
                .filter(LastHttpContent.class::isInstance)
                .findFirst()
                .orElseThrow();
    assertThat(last.trailingHeaders().get("grpc-status")).isEqualTo("0");
    assertThat(gunzip(body())).isEqualTo(TEXT);
  }

  @Test
  void withoutAcceptEncodingTheResponseStaysPlainButStillVariesOnAcceptEncoding() {
    fullResponse(200, "text/plain", TEXT, Map.of());
    harness.request(get("/", null));

    HttpHeaders h = responseHeaders().headers();
    assertThat(h.contains("content-encoding")).isFalse();
    assertThat(h.get("vary")).isEqualTo("Accept-Encoding");
    assertThat(new String(body(), StandardCharsets.UTF_8)).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "no_accept_header")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "response.not_compressed")).isEqualTo(1);
  }

  @Test
  void qValuesDecideAsEnvoysDo() throws Exception {
    record Case(String acceptEncoding, boolean compressed, String stat) {}
    List<Case> cases =
        List.of(
            new Case("gzip;q=0,*;q=1", false, "header_not_valid"),
            new Case("*;q=0,gzip;q=1", true, "header_compressor_used"),
            new Case("identity;q=1, gzip;q=0.5", false, "header_identity"),
            new Case("*", true, "header_wildcard"),
            new Case("br", false, "header_not_valid"),
            new Case("gzip;q=nope, identity", false, "header_identity"));
    for (Case c : cases) {
      StreamHarness h = harnessFor(HCM);
      fullResponse(200, "text/plain", TEXT, Map.of());
      h.request(get("/", c.acceptEncoding()));
      HttpResponse response =
          (HttpResponse)
              h.downstream.written.stream()
                  .filter(HttpResponse.class::isInstance)
                  .findFirst()
                  .orElseThrow();
      assertThat(response.headers().contains("content-encoding"))
          .as(c.acceptEncoding())
          .isEqualTo(c.compressed());
      assertThat(h.counter(ROOT + c.stat())).as(c.acceptEncoding()).isEqualTo(1);
      h.downstream.releaseAll();
    }
  }

  @Test
  void aShortOrUnlistedOrAlreadyEncodedOrNoTransformResponseIsLeftAlone() {
    record Case(String contentType, String body, Map<String, String> headers, int status) {}
    List<Case> cases =
        List.of(
            new Case("text/plain", "short", Map.of(), 200),
            new Case("image/png", TEXT, Map.of(), 200),
            new Case("text/plain", TEXT, Map.of("content-encoding", "br"), 200),
            new Case("text/plain", TEXT, Map.of("cache-control", "public, No-Transform"), 200),
            new Case("text/plain", TEXT, Map.of(), 206));
    for (Case c : cases) {
      harness.downstream.releaseAll();
      harness.downstream.written.clear();
      fullResponse(c.status(), c.contentType(), c.body(), c.headers());
      harness.request(get("/", "gzip"));
      assertThat(responseHeaders().headers().get("content-encoding"))
          .as(c.toString())
          .isNotEqualTo("gzip");
    }
    assertThat(harness.counter(ROOT + "response.content_length_too_small")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "response.not_compressed")).isEqualTo(5);
    assertThat(harness.counter(ROOT + "response.compressed")).isZero();
  }

  @Test
  void aStrongEtagIsDroppedFromACompressedResponseAndAWeakOneKept() {
    fullResponse(200, "text/plain", TEXT, Map.of("etag", "\"v1\""));
    harness.request(get("/", "gzip"));
    assertThat(responseHeaders().headers().contains("etag")).isFalse();

    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    fullResponse(200, "text/plain", TEXT, Map.of("etag", "W/\"v1\"", "vary", "origin"));
    harness.request(get("/", "gzip"));
    assertThat(responseHeaders().headers().get("etag")).isEqualTo("W/\"v1\"");
    assertThat(responseHeaders().headers().get("vary")).isEqualTo("origin, Accept-Encoding");
  }

  @Test
  void disableOnEtagHeaderLeavesAnEtaggedResponseAlone() throws Exception {
    StreamHarness h =
        harnessFor(
            HCM.replace("remove_accept_encoding_header: true", "disable_on_etag_header: true"));
    fullResponse(200, "text/plain", TEXT, Map.of("etag", "\"v1\""));
    h.request(get("/", "gzip"));
    HttpResponse response =
        (HttpResponse)
            h.downstream.written.stream()
                .filter(HttpResponse.class::isInstance)
                .findFirst()
                .orElseThrow();
    assertThat(response.headers().contains("content-encoding")).isFalse();
    assertThat(response.headers().get("etag")).isEqualTo("\"v1\"");
    assertThat(h.counter(ROOT + "not_compressed_etag")).isEqualTo(1);
    h.downstream.releaseAll();
  }

  @Test
  void theAcceptEncodingHeaderIsRemovedUnlessTheRouteKeepsItAndARouteMayDisableCompression() {
    fullResponse(200, "text/plain", TEXT, Map.of());
    harness.request(get("/", "gzip"));
    assertThat(((HttpRequest) upstreamSaw.get(0)).headers().contains("accept-encoding")).isFalse();

    harness.request(get("/keep-accept", "gzip"));
    assertThat(((HttpRequest) upstreamSaw.get(1)).headers().get("accept-encoding"))
        .isEqualTo("gzip");

    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(get("/off", "gzip"));
    assertThat(((HttpRequest) upstreamSaw.get(2)).headers().get("accept-encoding"))
        .isEqualTo("gzip");
    assertThat(responseHeaders().headers().contains("content-encoding")).isFalse();
    assertThat(responseHeaders().headers().contains("vary")).isFalse();
  }

  @Test
  void theRuntimeKeyTurnsResponseCompressionOffForTheNextRequest() {
    harness.runtime.modify(Map.of("compressor.response.enabled", "false"));
    fullResponse(200, "text/plain", TEXT, Map.of());
    harness.request(get("/", "gzip"));
    assertThat(responseHeaders().headers().contains("content-encoding")).isFalse();

    harness.runtime.modify(Map.of("compressor.response.enabled", "true"));
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(get("/", "gzip"));
    assertThat(responseHeaders().headers().get("content-encoding")).isEqualTo("gzip");
  }

  @Test
  void aJsonRequestBodyIsGzippedOnItsWayUpstream() throws Exception {
    fullResponse(200, "text/plain", "ok", Map.of());
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
    post.headers()
        .set("host", "example.com")
        .set("content-type", "application/json")
        .set("content-length", TEXT.length());
    harness.request(post);
    harness.body(
        new DefaultHttpContent(Unpooled.copiedBuffer(TEXT, 0, 100, StandardCharsets.UTF_8)));
    harness.body(
        new DefaultLastHttpContent(
            Unpooled.copiedBuffer(TEXT.substring(100), StandardCharsets.UTF_8)));

    HttpRequest upstream = (HttpRequest) upstreamSaw.get(0);
    assertThat(upstream.headers().get("content-encoding")).isEqualTo("gzip");
    assertThat(upstream.headers().contains("content-length")).isFalse();
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    for (HttpObject o : upstreamSaw.subList(1, upstreamSaw.size())) {
      ByteBuf b = ((HttpContent) o).content();
      byte[] bytes = new byte[b.readableBytes()];
      b.getBytes(b.readerIndex(), bytes);
      sent.writeBytes(bytes);
    }
    assertThat(upstreamSaw.get(upstreamSaw.size() - 1)).isInstanceOf(LastHttpContent.class);
    assertThat(gunzip(sent.toByteArray())).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "request.compressed")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "request.total_uncompressed_bytes")).isEqualTo(TEXT.length());
  }

  @Test
  void withoutResponseDirectionConfigTheDeprecatedFieldsApplyAndStatsHaveNoResponseSegment()
      throws Exception {
    String legacy =
        """
        stat_prefix: ingress
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/" }
              route: { cluster: backend }
        http_filters:
        - name: envoy.filters.http.compressor
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
            content_length: 2000
            compressor_library:
              name: legacy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
    StreamHarness h = harnessFor(legacy);
    fullResponse(200, "text/plain", TEXT, Map.of());
    h.request(get("/", "gzip"));
    assertThat(h.counter("http.ingress.compressor.legacy.gzip.content_length_too_small"))
        .isEqualTo(1);
    assertThat(h.counter("http.ingress.compressor.legacy.gzip.not_compressed")).isEqualTo(1);
    assertThat(h.counter("http.ingress.compressor.legacy.gzip.request.not_compressed"))
        .isEqualTo(1);
    h.downstream.releaseAll();
  }

  @Test
  void aResponseToHeadIsNeverCompressedButStillVariesOnAcceptEncoding() throws Exception {
    // The upstream's head announces the body a GET would get; none follows a HEAD.
    respond =
        c -> {
          HttpResponse response =
              new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          response.headers().set("content-type", "text/plain");
          response.headers().setInt("content-length", TEXT.length());
          c.encodeHeaders(response, false);
          c.encodeData(new DefaultLastHttpContent(), true);
        };
    HttpRequest head = get("/", "gzip");
    head.setMethod(HttpMethod.HEAD);
    harness.request(head);

    HttpHeaders h = responseHeaders().headers();
    assertThat(h.contains("content-encoding")).isFalse();
    assertThat(h.get("content-length")).isEqualTo(String.valueOf(TEXT.length()));
    assertThat(h.get("vary")).isEqualTo("Accept-Encoding");
  }
}
