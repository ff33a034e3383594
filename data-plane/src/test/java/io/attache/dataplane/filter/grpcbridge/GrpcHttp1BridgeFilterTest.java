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
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC HTTP/1.1 bridge on the connection manager's chain, without sockets: a terminal filter
 * stands in for the gRPC upstream (it records what reached it and answers with scripted headers,
 * body chunks and trailers). What an HTTP/1.1 client gets back, and when: nothing before the
 * trailers, then the status, grpc-status/grpc-message headers and content-length as Envoy sets
 * them; the protobuf upgrade's framing both ways; the query dropped; HTTP/2 and non-gRPC requests
 * untouched.
 */
class GrpcHttp1BridgeFilterTest {
  private static final String PATH = "/helloworld.Greeter/SayHello";

  private static String hcm(String bridgeOptions) {
    return """
        stat_prefix: ingress
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/" }
              route: { cluster: backend }
        http_filters:
        - name: envoy.filters.http.grpc_http1_bridge
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_bridge.v3.Config
            %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
        .formatted(bridgeOptions);
  }

  /** What the upstream stand-in answers: headers, then each chunk, then trailers (if any). */
  private record Script(
      int status, String contentType, List<byte[]> chunks, Map<String, String> trailers) {}

  private StreamHarness harness;
  private Script script;
  private HttpRequest upstreamRequest;
  private StreamDecoderFilterCallbacks upstream;
  private final List<byte[]> upstreamBody = new ArrayList<>();

  private void start(String bridgeOptions) throws Exception {
    String hcm = hcm(bridgeOptions);
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
  }

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  /** Records the request; once it is complete, plays {@link #script}. */
  private final class Upstream implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      upstreamRequest = request;
      if (endStream) {
        respond();
      }
      return FilterHeadersStatus.STOP_ITERATION;
    }

    @Override
    public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
      upstreamBody.add(ByteBufUtil.getBytes(data.content()));
      boolean last = data instanceof LastHttpContent;
      data.release();
      if (last) {
        respond();
      } else {
        callbacks.requestMoreData();
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }

    private void respond() {
      upstream = callbacks;
      if (script == null) {
        return; // the test plays the response itself
      }
      HttpResponse response =
          new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(script.status));
      response.headers().set("content-type", script.contentType);
      callbacks.encodeHeaders(response, false);
      for (int i = 0; i < script.chunks.size(); i++) {
        ByteBuf bytes = Unpooled.wrappedBuffer(script.chunks.get(i));
        boolean last = i == script.chunks.size() - 1;
        if (!last) {
          callbacks.encodeData(new DefaultHttpContent(bytes), false);
        } else {
          DefaultLastHttpContent end = new DefaultLastHttpContent(bytes);
          script.trailers.forEach(end.trailingHeaders()::set);
          callbacks.encodeData(end, true);
        }
      }
    }
  }

  private static byte[] framed(String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = Unpooled.buffer().writeByte(0).writeInt(m.length).writeBytes(m);
    return ByteBufUtil.getBytes(b);
  }

  private void send(String path, String contentType, byte[]... chunks) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
    request.headers().set("host", "grpc");
    request.headers().set("content-type", contentType);
    int length = 0;
    for (byte[] c : chunks) {
      length += c.length;
    }
    request.headers().set("content-length", length);
    harness.request(request);
    for (int i = 0; i < chunks.length; i++) {
      ByteBuf bytes = Unpooled.wrappedBuffer(chunks[i]);
      harness.body(
          i == chunks.length - 1
              ? new DefaultLastHttpContent(bytes)
              : new DefaultHttpContent(bytes));
    }
  }

  private HttpResponse responseHeaders() {
    return (HttpResponse) harness.downstream.written.get(0);
  }

  private String responseBody() {
    StringBuilder body = new StringBuilder();
    harness.downstream.written.stream()
        .filter(HttpContent.class::isInstance)
        .forEach(c -> body.append(((HttpContent) c).content().toString(StandardCharsets.UTF_8)));
    return body.toString();
  }

  private static Map<String, String> trailers(String... pairs) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  @Test
  void anHttp11GrpcCallGetsItsTrailersAsHeadersWithTheBufferedBodysLength() throws Exception {
    start("");
    script =
        new Script(
            200,
            "application/grpc",
            List.of(framed("hel"), framed("lo")),
            trailers("grpc-status", "0", "grpc-message", "fine"));

    send(PATH, "application/grpc", framed("world"));

    HttpResponse response = responseHeaders();
    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get("grpc-status")).isEqualTo("0");
    assertThat(response.headers().get("grpc-message")).isEqualTo("fine");
    assertThat(response.headers().get("content-length")).isEqualTo("15");
    assertThat(responseBody())
        .isEqualTo(
            new String(framed("hel"), StandardCharsets.UTF_8)
                + new String(framed("lo"), StandardCharsets.UTF_8));
    assertThat(upstreamRequest.headers().get("content-type")).isEqualTo("application/grpc");
    assertThat(upstreamBody).containsExactly(framed("world"));
  }

  @Test
  void nothingReachesTheClientBeforeTheTrailers() throws Exception {
    start("");
    send(PATH, "application/grpc", framed("x"));

    HttpResponse headers = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    headers.headers().set("content-type", "application/grpc");
    upstream.encodeHeaders(headers, false);
    upstream.encodeData(new DefaultHttpContent(Unpooled.wrappedBuffer(framed("a"))), false);
    assertThat(harness.downstream.written).isEmpty();

    DefaultLastHttpContent end = new DefaultLastHttpContent(Unpooled.wrappedBuffer(framed("b")));
    end.trailingHeaders().set("grpc-status", "0");
    upstream.encodeData(end, true);
    assertThat(responseHeaders().headers().get("content-length")).isEqualTo("12");
    assertThat(harness.downstream.written).hasSize(3);
    assertThat(harness.finished()).isTrue();
  }

  @Test
  void aResponseEndingWithoutTrailersPassesAsItCame() throws Exception {
    start("");
    script = new Script(200, "application/grpc", List.of(framed("a"), framed("b")), Map.of());

    send(PATH, "application/grpc", framed("x"));

    // Envoy's quirk: no trailers, so no grpc-status of its own and no content-length.
    HttpResponse response = responseHeaders();
    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().contains("grpc-status")).isFalse();
    assertThat(response.headers().contains("content-length")).isFalse();
    assertThat(harness.downstream.written).hasSize(3);
  }

  @Test
  void aNonZeroGrpcStatusTurnsTheResponseInto503WithTheStatusAndMessageAsHeaders()
      throws Exception {
    start("");
    script =
        new Script(
            200,
            "application/grpc",
            List.of(new byte[0]),
            trailers("grpc-status", "14", "grpc-message", "no backend"));

    send(PATH, "application/grpc", framed("x"));

    HttpResponse response = responseHeaders();
    assertThat(response.status().code()).isEqualTo(503);
    assertThat(response.headers().get("grpc-status")).isEqualTo("14");
    assertThat(response.headers().get("grpc-message")).isEqualTo("no backend");
    assertThat(response.headers().get("content-length")).isEqualTo("0");
  }

  @Test
  void aGrpcStatusThatIsNotANumberIsAFailureToo() throws Exception {
    start("");
    script =
        new Script(200, "application/grpc", List.of(new byte[0]), trailers("grpc-status", "ok"));

    send(PATH, "application/grpc", framed("x"));

    assertThat(responseHeaders().status().code()).isEqualTo(503);
    assertThat(responseHeaders().headers().get("grpc-status")).isEqualTo("ok");
  }

  @Test
  void anHttp2ClientGetsTheGrpcResponseUntouched() throws Exception {
    start("");
    harness.downstream.protocol = "HTTP/2";
    script =
        new Script(200, "application/grpc", List.of(framed("hi")), trailers("grpc-status", "13"));

    send(PATH, "application/grpc", framed("x"));

    HttpResponse response = responseHeaders();
    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().contains("grpc-status")).isFalse();
    LastHttpContent last = (LastHttpContent) harness.downstream.written.get(1);
    assertThat(last.trailingHeaders().get("grpc-status")).isEqualTo("13");
  }

  @Test
  void aRequestThatIsNotGrpcPassesUntouched() throws Exception {
    start("");
    script =
        new Script(200, "text/plain", List.of("a".getBytes(), "b".getBytes()), trailers("x", "y"));

    send("/plain?q=1", "text/plain", "body".getBytes());

    assertThat(responseHeaders().headers().contains("content-length")).isFalse();
    assertThat(upstreamRequest.uri()).isEqualTo("/plain?q=1");
    // Not held: the headers were written before the body arrived.
    assertThat(harness.downstream.written).hasSize(3);
  }

  @Test
  void aProtobufRequestIsFramedAsGrpcAndTheResponsesFrameHeaderTakenOff() throws Exception {
    start("upgrade_protobuf_to_grpc: true");
    byte[] reply = framed("reply");
    // The upstream's frame header split across its first two chunks.
    script =
        new Script(
            200,
            "application/grpc",
            List.of(
                java.util.Arrays.copyOfRange(reply, 0, 3),
                java.util.Arrays.copyOfRange(reply, 3, reply.length),
                new byte[0]),
            trailers("grpc-status", "0"));

    send(PATH, "application/x-protobuf", "wor".getBytes(), "ld".getBytes());

    assertThat(upstreamRequest.headers().get("content-type")).isEqualTo("application/grpc");
    assertThat(upstreamRequest.headers().contains("content-length")).isFalse();
    assertThat(upstreamBody).hasSize(1);
    assertThat(upstreamBody.get(0)).isEqualTo(framed("world"));
    assertThat(responseBody()).isEqualTo("reply");
    assertThat(responseHeaders().headers().get("content-length")).isEqualTo("5");
  }

  @Test
  void withoutTheUpgradeAProtobufRequestIsNotBridged() throws Exception {
    start("");
    script = new Script(200, "application/x-protobuf", List.of("r".getBytes()), Map.of());

    send(PATH, "application/x-protobuf", "w".getBytes());

    assertThat(upstreamRequest.headers().get("content-type")).isEqualTo("application/x-protobuf");
    assertThat(upstreamBody).containsExactly("w".getBytes());
  }

  @Test
  void ignoreQueryParametersDropsTheQueryOfABridgedCallOnly() throws Exception {
    start("ignore_query_parameters: true");
    script =
        new Script(200, "application/grpc", List.of(new byte[0]), trailers("grpc-status", "0"));

    send(PATH + "?trace=1", "application/grpc", framed("x"));
    assertThat(upstreamRequest.uri()).isEqualTo(PATH);

    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    send("/plain?trace=1", "text/plain", "x".getBytes());
    assertThat(upstreamRequest.uri()).isEqualTo("/plain?trace=1");
  }

  @Test
  void withoutIgnoreQueryParametersTheQueryStays() throws Exception {
    start("");
    script =
        new Script(200, "application/grpc", List.of(new byte[0]), trailers("grpc-status", "0"));

    send(PATH + "?trace=1", "application/grpc", framed("x"));

    assertThat(upstreamRequest.uri()).isEqualTo(PATH + "?trace=1");
  }
}
