package io.attache.dataplane.filter.decompressor;

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
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The decompressor filter on the connection manager's chain, without sockets: which requests and
 * responses it inflates (first content coding, no-transform, the runtime flag), what it does to
 * their headers and to the request's accept-encoding, that every chunk leaves inflated at once,
 * what a corrupt stream or a bomb yields, and Envoy's stat names. A terminal filter stands in for
 * the router and answers as each test says.
 */
class DecompressorFilterTest {
  private static final String HCM =
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
      - name: envoy.filters.http.decompressor
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
          decompressor_library:
            name: upload
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip
              max_inflate_ratio: 1000
          request_direction_config:
            common_config:
              ignore_no_transform_header: true
          response_direction_config:
            common_config:
              enabled:
                default_value: true
                runtime_key: decompressor.response.enabled
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String ROOT = "http.ingress.decompressor.upload.gzip.";
  private static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(40);

  private final StreamHarness harness;
  private final List<HttpObject> upstreamSaw = new ArrayList<>();
  private Consumer<StreamDecoderFilterCallbacks> respond = c -> {};

  DecompressorFilterTest() throws Exception {
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
    upstreamSaw.forEach(ReferenceCountUtil::release);
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

  private static byte[] gzip(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  private static HttpRequest get(String acceptEncoding) {
    HttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    if (acceptEncoding != null) {
      request.headers().set("accept-encoding", acceptEncoding);
    }
    return request;
  }

  /** The terminal answers with {@code headers}, then each of {@code chunks}. */
  private void streamedResponse(Map<String, String> headers, byte[]... chunks) {
    respond =
        c -> {
          HttpResponse response =
              new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
          headers.forEach(response.headers()::set);
          c.encodeHeaders(response, false);
          for (int i = 0; i < chunks.length; i++) {
            ByteBuf bytes = Unpooled.wrappedBuffer(chunks[i]);
            if (i == chunks.length - 1) {
              c.encodeData(new DefaultLastHttpContent(bytes), true);
            } else {
              c.encodeData(new DefaultHttpContent(bytes), false);
            }
          }
        };
  }

  private static byte[][] split(byte[] bytes, int... at) {
    byte[][] parts = new byte[at.length + 1][];
    int from = 0;
    for (int i = 0; i < at.length; i++) {
      parts[i] = Arrays.copyOfRange(bytes, from, at[i]);
      from = at[i];
    }
    parts[at.length] = Arrays.copyOfRange(bytes, from, bytes.length);
    return parts;
  }

  private HttpResponse responseHeaders() {
    return (HttpResponse)
        harness.downstream.written.stream()
            .filter(HttpResponse.class::isInstance)
            .findFirst()
            .orElseThrow();
  }

  private List<String> bodyChunks() {
    List<String> chunks = new ArrayList<>();
    for (HttpObject o : harness.downstream.written) {
      if (o instanceof HttpContent c) {
        chunks.add(c.content().toString(StandardCharsets.ISO_8859_1));
      }
    }
    return chunks;
  }

  private String body() {
    return String.join("", bodyChunks());
  }

  private String upstreamBody() {
    StringBuilder body = new StringBuilder();
    for (HttpObject o : upstreamSaw) {
      if (o instanceof HttpContent c) {
        body.append(c.content().toString(StandardCharsets.ISO_8859_1));
      }
    }
    return body.toString();
  }

  @Test
  void aGzippedResponseIsInflatedChunkByChunkAndLosesItsCodingAndLength() throws Exception {
    byte[] gz = gzip(TEXT);
    streamedResponse(
        Map.of("content-encoding", "gzip", "content-length", String.valueOf(gz.length)),
        split(gz, 5, gz.length / 2));
    harness.request(get(null));

    HttpHeaders h = responseHeaders().headers();
    assertThat(h.contains("content-encoding")).isFalse();
    assertThat(h.contains("content-length")).isFalse();
    List<String> chunks = bodyChunks();
    assertThat(chunks).hasSize(3);
    assertThat(chunks.get(0)).isEmpty(); // five bytes of header: nothing to give yet
    assertThat(chunks.get(1)).isNotEmpty();
    assertThat(body()).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "response.decompressed")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "response.total_compressed_bytes")).isEqualTo(gz.length);
    assertThat(harness.counter(ROOT + "response.total_uncompressed_bytes"))
        .isEqualTo(TEXT.length());
    assertThat(harness.counter(ROOT + "decompressor_library.zlib_data_error")).isZero();
  }

  @Test
  void aFullGzippedResponseIsReplacedByItsInflatedBody() throws Exception {
    byte[] gz = gzip(TEXT);
    respond =
        c -> {
          FullHttpResponse response =
              new DefaultFullHttpResponse(
                  HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(gz));
          response.headers().set("content-encoding", "gzip");
          response.headers().setInt("content-length", gz.length);
          c.encodeHeaders(response, true);
        };
    harness.request(get(null));

    FullHttpResponse response = (FullHttpResponse) responseHeaders();
    assertThat(response.headers().contains("content-encoding")).isFalse();
    assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo(TEXT);
  }

  @Test
  void onlyTheFirstCodingIsRemovedAndOnlyWhenItIsGzip() throws Exception {
    byte[] gz = gzip(TEXT);
    streamedResponse(Map.of("content-encoding", "GZIP , br"), gz);
    harness.request(get(null));
    assertThat(responseHeaders().headers().get("content-encoding")).isEqualTo("br");
    assertThat(body()).isEqualTo(TEXT);

    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    streamedResponse(Map.of("content-encoding", "br, gzip"), gz);
    harness.request(get(null));
    assertThat(responseHeaders().headers().get("content-encoding")).isEqualTo("br, gzip");
    assertThat(bodyChunks()).containsExactly(new String(gz, StandardCharsets.ISO_8859_1));
    assertThat(harness.counter(ROOT + "response.decompressed")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "response.not_decompressed")).isEqualTo(1);
  }

  @Test
  void cacheControlNoTransformKeepsAResponseCompressed() throws Exception {
    byte[] gz = gzip(TEXT);
    streamedResponse(
        Map.of("content-encoding", "gzip", "cache-control", "max-age=10, No-Transform"), gz);
    harness.request(get(null));

    assertThat(responseHeaders().headers().get("content-encoding")).isEqualTo("gzip");
    assertThat(bodyChunks()).containsExactly(new String(gz, StandardCharsets.ISO_8859_1));
    assertThat(harness.counter(ROOT + "response.not_decompressed")).isEqualTo(1);
  }

  @Test
  void aGzippedRequestIsInflatedOnItsWayUpEvenUnderNoTransformWhenTheDirectionIgnoresIt()
      throws Exception {
    byte[] gz = gzip(TEXT);
    HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    post.headers().set("host", "example.com");
    post.headers().set("content-encoding", "gzip");
    post.headers().set("cache-control", "no-transform");
    post.headers().set("transfer-encoding", "chunked");
    harness.request(post);
    byte[][] parts = split(gz, 20);
    harness.body(new DefaultHttpContent(Unpooled.wrappedBuffer(parts[0])));
    harness.body(new DefaultLastHttpContent(Unpooled.wrappedBuffer(parts[1])));

    HttpRequest up = (HttpRequest) upstreamSaw.get(0);
    assertThat(up.headers().contains("content-encoding")).isFalse();
    assertThat(upstreamBody()).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "request.decompressed")).isEqualTo(1);
    assertThat(harness.counter(ROOT + "request.total_compressed_bytes")).isEqualTo(gz.length);
    assertThat(harness.counter(ROOT + "request.total_uncompressed_bytes")).isEqualTo(TEXT.length());
  }

  @Test
  void aHeadersOnlyRequestIsNeitherDecompressedNorCounted() {
    harness.request(get(null));

    assertThat(harness.counter(ROOT + "request.decompressed")).isZero();
    assertThat(harness.counter(ROOT + "request.not_decompressed")).isZero();
  }

  @Test
  void theRequestAdvertisesGzipOnceWithoutTheClientsQValue() {
    record Case(String sent, String forwarded) {}
    List<Case> cases =
        List.of(
            new Case(null, "gzip"),
            new Case("br", "br,gzip"),
            new Case("gzip;q=0.3, br;q=0.9", "br;q=0.9,gzip"),
            new Case("deflate, gzip", "deflate,gzip"));
    for (Case c : cases) {
      upstreamSaw.clear();
      harness.request(get(c.sent()));
      assertThat(((HttpRequest) upstreamSaw.get(0)).headers().get("accept-encoding"))
          .as(String.valueOf(c.sent()))
          .isEqualTo(c.forwarded());
    }
  }

  @Test
  void theRuntimeKeyTurnsResponseDecompressionAndItsAdvertisementOffForTheNextRequest()
      throws Exception {
    byte[] gz = gzip(TEXT);
    streamedResponse(Map.of("content-encoding", "gzip"), gz);
    harness.runtime.modify(Map.of("decompressor.response.enabled", "false"));
    harness.request(get("br"));

    assertThat(((HttpRequest) upstreamSaw.get(0)).headers().get("accept-encoding")).isEqualTo("br");
    assertThat(responseHeaders().headers().get("content-encoding")).isEqualTo("gzip");
    assertThat(harness.counter(ROOT + "response.not_decompressed")).isEqualTo(1);

    harness.runtime.modify(Map.of("decompressor.response.enabled", "true"));
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(get("br"));
    assertThat(body()).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "response.decompressed")).isEqualTo(1);
  }

  @Test
  void aCorruptStreamCountsADataErrorAndPassesOnOnlyWhatInflatedBeforeIt() throws Exception {
    byte[] gz = gzip(TEXT);
    byte[] corrupt = gz.clone();
    corrupt[corrupt.length - 6] ^= 0x55; // the CRC no longer matches
    streamedResponse(Map.of("content-encoding", "gzip"), corrupt);
    harness.request(get(null));

    assertThat(body()).isEqualTo(TEXT);
    assertThat(harness.counter(ROOT + "decompressor_library.zlib_data_error")).isEqualTo(1);

    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    streamedResponse(Map.of("content-encoding", "gzip"), "not gzip at all".getBytes());
    harness.request(get(null));
    assertThat(body()).isEmpty();
    assertThat(harness.counter(ROOT + "decompressor_library.zlib_data_error")).isEqualTo(2);
  }

  @Test
  void aChunkThatInflatesBeyondMaxInflateRatioStopsTheDecoder() throws Exception {
    String zeros = "0".repeat(4 * 1024 * 1024);
    byte[] bomb = gzip(zeros); // about 4 KiB: a ratio near 1000 is exceeded before the end
    assertThat(bomb.length).isLessThan(zeros.length() / 1000);
    streamedResponse(Map.of("content-encoding", "gzip"), bomb);
    harness.request(get(null));

    assertThat(body().length()).isLessThan(zeros.length()).isGreaterThan(bomb.length * 1000);
    assertThat(harness.counter(ROOT + "decompressor_library.zlib_data_error")).isEqualTo(1);
  }
}
