package io.attache.dataplane.filter.grpcbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC HTTP/1.1 reverse bridge on the connection manager's chain, without sockets: a terminal
 * filter stands in for a plain HTTP/1.1 upstream. What the upstream sees of a gRPC call (content
 * type, accept, the frame header withheld, the length adjusted), what the gRPC client gets back
 * (its content type, the frame header added, grpc-status mapped from the HTTP status), Envoy's
 * answers to a wrong content type, a missing or wrong size header and a too-short body, and the
 * per-route {@code disabled}.
 */
class GrpcHttp1ReverseBridgeFilterTest {
  private static final String PATH = "/helloworld.Greeter/SayHello";

  private static String hcm(String options) {
    return """
        stat_prefix: ingress
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/off" }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.grpc_http1_reverse_bridge:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute
                  disabled: true
            - match: { prefix: "/" }
              route: { cluster: backend }
        http_filters:
        - name: envoy.filters.http.grpc_http1_reverse_bridge
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig
            content_type: application/x-protobuf
            %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
        .formatted(options);
  }

  private StreamHarness harness;
  private HttpRequest upstreamRequest;
  private final List<byte[]> upstreamBody = new ArrayList<>();
  private StreamDecoderFilterCallbacks upstream;

  private void start(String options) throws Exception {
    String hcm = hcm(options);
    var configured = StreamHarness.configuredFilters(hcm);
    harness =
        new StreamHarness(
            hcm,
            context -> {
              List<FilterChainEntry> chain = new ArrayList<>(configured.apply(context));
              chain.set(
                  chain.size() - 1,
                  StreamHarness.entry(
                      "upstream", callbacks -> callbacks.addStreamDecoderFilter(new Upstream())));
              return chain;
            });
    harness.downstream.protocol = "HTTP/2";
  }

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  /** Records the request; the test plays the response through {@link #upstream}. */
  private final class Upstream implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      upstreamRequest = request;
      upstream = callbacks;
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      upstreamBody.add(ByteBufUtil.getBytes(data.content()));
      data.release();
      callbacks.requestMoreData();
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
  }

  private static byte[] framed(String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(Unpooled.buffer(4).writeInt(m.length).array());
    out.writeBytes(m);
    return out.toByteArray();
  }

  private void call(String path, byte[] body) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
    request.headers().set("host", "svc");
    request.headers().set("content-type", "application/grpc+proto");
    request.headers().set("content-length", body.length);
    harness.request(request);
    harness.body(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)));
  }

  private void respond(int status, String contentType, String... headerPairs) {
    HttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    if (contentType != null) {
      response.headers().set("content-type", contentType);
    }
    for (int i = 0; i < headerPairs.length; i += 2) {
      response.headers().set(headerPairs[i], headerPairs[i + 1]);
    }
    upstream.encodeHeaders(response, false);
  }

  private void chunk(String bytes, boolean last) {
    ByteBuf b = Unpooled.copiedBuffer(bytes, StandardCharsets.UTF_8);
    upstream.encodeData(last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b), last);
  }

  private HttpResponse responseHeaders() {
    return (HttpResponse) harness.downstream.written.get(0);
  }

  private byte[] responseBody() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    harness.downstream.written.stream()
        .filter(HttpContent.class::isInstance)
        .forEach(c -> out.writeBytes(ByteBufUtil.getBytes(((HttpContent) c).content())));
    return out.toByteArray();
  }

  private String trailer(String name) {
    return harness.downstream.written.stream()
        .filter(LastHttpContent.class::isInstance)
        .findFirst()
        .map(c -> ((LastHttpContent) c).trailingHeaders().get(name))
        .orElse(null);
  }

  @Test
  void theUpstreamGetsTheBareMessageAndTheClientAFramedReplyWithGrpcStatusOk() throws Exception {
    start("withhold_grpc_frames: true");
    call(PATH, framed("world"));

    assertThat(upstreamRequest.headers().get("content-type")).isEqualTo("application/x-protobuf");
    assertThat(upstreamRequest.headers().get("accept")).isEqualTo("application/x-protobuf");
    assertThat(upstreamRequest.headers().get("content-length")).isEqualTo("5");
    assertThat(upstreamBody).containsExactly("world".getBytes(StandardCharsets.UTF_8));

    respond(200, "application/x-protobuf", "content-length", "5");
    chunk("hel", false);
    assertThat(responseBody()).isEmpty(); // held to measure it
    chunk("lo", true);

    assertThat(responseHeaders().headers().get("content-type")).isEqualTo("application/grpc+proto");
    assertThat(responseHeaders().headers().get("content-length")).isEqualTo("10");
    assertThat(responseBody()).isEqualTo(framed("hello"));
    assertThat(trailer("grpc-status")).isEqualTo("0");
  }

  @Test
  void anHttpErrorStatusBecomesTheGrpcStatusAsEnvoyMapsItUnderA200() throws Exception {
    start("withhold_grpc_frames: true");
    call(PATH, framed("x"));

    respond(404, "application/x-protobuf", "content-length", "0");
    chunk("", true);

    // Envoy 1.40: the client gets 200 and the mapped status in the trailer; the empty body's
    // length counts the frame header added to it.
    assertThat(responseHeaders().status().code()).isEqualTo(200);
    assertThat(responseHeaders().headers().get("content-length")).isEqualTo("5");
    assertThat(trailer("grpc-status")).isEqualTo("12");
    assertThat(responseBody()).isEqualTo(framed(""));
  }

  @Test
  void withResponseSizeHeaderTheReplyStreamsWithItsFrameHeaderFirst() throws Exception {
    start("withhold_grpc_frames: true\n    response_size_header: x-size");
    call(PATH, framed("x"));

    respond(200, "application/x-protobuf", "x-size", "5");
    chunk("hel", false);
    assertThat(responseHeaders().headers().get("content-length")).isEqualTo("10");
    assertThat(responseBody()).isEqualTo(java.util.Arrays.copyOf(framed("hello"), 8));
    chunk("lo", true);

    assertThat(responseBody()).isEqualTo(framed("hello"));
    assertThat(trailer("grpc-status")).isEqualTo("0");
  }

  @Test
  void aMissingSizeHeaderIsAnsweredInternal() throws Exception {
    start("withhold_grpc_frames: true\n    response_size_header: x-size");
    call(PATH, framed("x"));

    respond(200, "application/x-protobuf");

    FullHttpResponse reply = (FullHttpResponse) responseHeaders();
    assertThat(reply.headers().get("grpc-status")).isEqualTo("13");
    assertThat(reply.headers().get("grpc-message"))
        .isEqualTo("envoy reverse bridge: upstream did not set content length");
    assertThat(harness.info().responseCodeDetails())
        .isEqualTo("grpc_bridge_content_length_missing");
  }

  @Test
  void aSizeHeaderThatDoesNotMatchTheBodySendsTheBodyThenResetsTheStream() throws Exception {
    start("withhold_grpc_frames: true\n    response_size_header: x-size");
    call(PATH, framed("x"));

    respond(200, "application/x-protobuf", "x-size", "9");
    chunk("hello", true);

    // As Envoy, which sees an HTTP/1.1 body before its end: the body goes out framed with the
    // size the header claimed, then the end finds the size wrong and the stream is reset.
    byte[] sent = framed("hello");
    sent[4] = 9;
    assertThat(responseBody()).isEqualTo(sent);
    assertThat(trailer("grpc-status")).isNull();
    assertThat(harness.downstream.reset).isTrue();
  }

  @Test
  void anUpstreamAnsweringAnotherContentTypeGivesTheClientUnknownWithEnvoysMessage()
      throws Exception {
    start("withhold_grpc_frames: true");
    call(PATH, framed("x"));

    respond(503, "text/html");

    FullHttpResponse reply = (FullHttpResponse) responseHeaders();
    assertThat(reply.status().code()).isEqualTo(200);
    assertThat(reply.headers().get("grpc-status")).isEqualTo("2");
    assertThat(reply.headers().get("grpc-message"))
        .isEqualTo(
            "envoy reverse bridge: upstream responded with unsupported content-type text/html,"
                + " status code 503");
    assertThat(harness.info().responseCodeDetails()).isEqualTo("grpc_bridge_content_type_wrong");
  }

  @Test
  void aBodyTooShortForAFrameHeaderIsRefusedByAReplyThatFailsTheFiltersOwnCheck() throws Exception {
    start("withhold_grpc_frames: true");
    call(PATH, new byte[] {0, 0});

    // Envoy's "invalid request body" reply passes the still-enabled filter, whose content-type
    // check answers it in turn: the client sees the second reply (probed on Envoy 1.40).
    FullHttpResponse reply = (FullHttpResponse) responseHeaders();
    assertThat(harness.downstream.written).hasSize(1);
    assertThat(reply.headers().get("grpc-status")).isEqualTo("2");
    assertThat(reply.headers().get("grpc-message"))
        .isEqualTo(
            "envoy reverse bridge: upstream responded with unsupported content-type"
                + " application/grpc, status code 200");
    assertThat(harness.info().responseCodeDetails()).isEqualTo("grpc_bridge_content_type_wrong");
    assertThat(upstreamBody).isEmpty();
  }

  @Test
  void withoutWithholdingTheFramesPassAsTheyAreAndOnlyTheStatusIsAdded() throws Exception {
    start("withhold_grpc_frames: false");
    call(PATH, framed("x"));
    assertThat(upstreamBody).containsExactly(framed("x"));
    assertThat(upstreamRequest.headers().get("content-length")).isEqualTo("6");

    respond(200, "application/x-protobuf");
    chunk(new String(framed("ok"), StandardCharsets.ISO_8859_1), true);

    assertThat(trailer("grpc-status")).isEqualTo("0");
  }

  @Test
  void aRouteWithTheFilterDisabledPassesTheCallUntouched() throws Exception {
    start("withhold_grpc_frames: true");
    call("/off/x", framed("x"));

    assertThat(upstreamRequest.headers().get("content-type")).isEqualTo("application/grpc+proto");
    assertThat(upstreamBody).containsExactly(framed("x"));
    respond(200, "text/plain");
    chunk("raw", true);
    assertThat(responseBody()).isEqualTo("raw".getBytes(StandardCharsets.UTF_8));
    assertThat(trailer("grpc-status")).isNull();
  }
}
