package io.attache.dataplane.filter.grpcbridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawHttp2Client;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Received;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC HTTP/1.1 reverse bridge through real sockets: a real grpc-java client (HTTP/2) calls a
 * plain HTTP/1.1 server through Attaché. The server gets a bare protobuf exchange (its content type
 * and accept, the frame header withheld, the length fixed up) and the client a proper gRPC response
 * with a {@code grpc-status} trailer; an upstream error status, a wrong or missing content type, a
 * missing or wrong {@code response_size_header}, a too-short body, a route with the filter disabled
 * and a non-gRPC request each get Envoy's answer. The scenarios and the wire view are shared with
 * {@link GrpcHttp1ReverseBridgeDifferentialIT}.
 */
class GrpcHttp1ReverseBridgeIT {
  static final String PROTOBUF = "application/x-protobuf";
  static final String SIZE_HEADER = "x-response-size";

  /** The filter's options in each bootstrap the tests run. */
  static final Map<String, String> VARIANTS =
      Map.of(
          "withheld",
          "withhold_grpc_frames: true",
          "sized",
          "withhold_grpc_frames: true\nresponse_size_header: " + SIZE_HEADER,
          "framed",
          "withhold_grpc_frames: false");

  /**
   * The bootstrap both proxies run: the reverse bridge with {@code options} in front of a plain
   * HTTP/1.1 cluster; the route {@code /off.} has the filter disabled.
   */
  static String bootstrap(int upstreamPort, String options) {
    String base =
        ProxyHarness.bootstrap(
            "",
            """
            - match: { prefix: "/off." }
              route: { cluster: plain }
              typed_per_filter_config:
                envoy.filters.http.grpc_http1_reverse_bridge:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute
                  disabled: true
            - match: { prefix: "/" }
              route: { cluster: plain }
            """,
            ProxyHarness.staticCluster("plain", "", upstreamPort));
    return ProxyPair.withHttpFilters(
        base,
        """
        http_filters:
        - name: envoy.filters.http.grpc_http1_reverse_bridge
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig
            content_type: %s
        %s
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """
            .formatted(PROTOBUF, options.indent(4).stripTrailing()));
  }

  /**
   * The plain HTTP/1.1 server: it answers by the method's name (the path's last segment) with a
   * body built from what it received, so each scenario's reply is fixed by its request.
   */
  static Reply upstreamReply(Received r) {
    String method = r.uri().substring(r.uri().lastIndexOf('/') + 1);
    String echo = "echo:" + r.body();
    return switch (method) {
      case "Echo" -> Reply.ok(echo).withHeader("content-type", PROTOBUF);
      case "Unavailable" -> new Reply(503, List.of(), "down").withHeader("content-type", PROTOBUF);
      case "NotFound" -> Reply.status(404).withHeader("content-type", PROTOBUF);
      case "WrongType" -> Reply.ok("oops").withHeader("content-type", "text/plain");
      case "NoType" -> Reply.ok("oops");
      case "Sized" ->
          Reply.ok(echo)
              .withHeader("content-type", PROTOBUF)
              .withHeader(SIZE_HEADER, Integer.toString(echo.length()));
      case "MisSized" ->
          Reply.ok(echo).withHeader("content-type", PROTOBUF).withHeader(SIZE_HEADER, "99");
      case "Framed" -> Reply.ok(framed(echo)).withHeader("content-type", PROTOBUF);
      case "Grpc" -> Reply.ok(r.body()).withHeader("content-type", "application/grpc");
      default -> Reply.ok("got:" + r.body()).withHeader("content-type", "application/json");
    };
  }

  /**
   * One HTTP/2 request: path, content-type, the DATA frames' payloads (in order, the last ends the
   * stream), and whether it carries a content-length.
   */
  record Call(String path, String contentType, List<String> frames, boolean contentLength) {
    static Call grpc(String method, String... messages) {
      List<String> frames = new ArrayList<>();
      for (String m : messages) {
        frames.add(framed(m));
      }
      return new Call(method, "application/grpc", frames, true);
    }

    Call streamed() {
      return new Call(path, contentType, frames, false);
    }
  }

  /** The calls each variant gets, by name. */
  static Map<String, Call> calls(String variant) {
    Map<String, Call> calls = new LinkedHashMap<>();
    switch (variant) {
      case "withheld" -> {
        calls.put("unary", Call.grpc("/bridge.Echo/Echo", "hi"));
        calls.put("empty message", Call.grpc("/bridge.Echo/Echo", ""));
        calls.put("two messages", Call.grpc("/bridge.Echo/Echo", "a", "b").streamed());
        calls.put("upstream 503", Call.grpc("/bridge.Echo/Unavailable", "x"));
        calls.put("upstream 404 without body", Call.grpc("/bridge.Echo/NotFound", "x"));
        calls.put("wrong content-type", Call.grpc("/bridge.Echo/WrongType", "x"));
        calls.put("no content-type", Call.grpc("/bridge.Echo/NoType", "x"));
        calls.put(
            "body shorter than a frame header",
            new Call("/bridge.Echo/Echo", "application/grpc", List.of("abc"), false));
        calls.put("disabled on the route", Call.grpc("/off.Echo/Grpc", "hi"));
        calls.put(
            "not gRPC", new Call("/api/items", "application/json", List.of("{\"a\":1}"), true));
      }
      case "sized" -> {
        calls.put("size header", Call.grpc("/bridge.Echo/Sized", "hi"));
        calls.put("size header wrong", Call.grpc("/bridge.Echo/MisSized", "hi"));
        calls.put("size header missing", Call.grpc("/bridge.Echo/Echo", "hi"));
      }
      case "framed" -> {
        calls.put("frames passed through", Call.grpc("/bridge.Echo/Framed", "hi"));
        calls.put(
            "content-type variant",
            new Call("/bridge.Echo/Framed", "application/grpc+proto", List.of(framed("p")), true));
      }
      default -> throw new IllegalArgumentException(variant);
    }
    return calls;
  }

  /** What the upstream saw of one request: the bridge's part of it. */
  record UpstreamSaw(String method, String uri, SortedMap<String, String> headers, String body) {}

  /**
   * What one call got on the wire and what the upstream saw: the response headers and trailers that
   * the bridge decides, the DATA bytes, and how the stream ended.
   */
  record Exchange(
      SortedMap<String, String> headers,
      String body,
      SortedMap<String, String> trailers,
      String end,
      UpstreamSaw upstream) {}

  static final Set<String> RESPONSE_HEADERS =
      Set.of(
          ":status",
          "content-type",
          "content-length",
          "grpc-status",
          "grpc-message",
          SIZE_HEADER,
          "transfer-encoding");
  static final Set<String> UPSTREAM_HEADERS =
      Set.of("content-type", "accept", "content-length", "transfer-encoding", "te");

  /** One call on a fresh HTTP/2 connection to 127.0.0.1:{@code port}. */
  static Exchange exchange(int port, TestHttpServer upstream, Call call) throws Exception {
    int before = upstream.received().size();
    try (RawHttp2Client client = new RawHttp2Client(port, 20_000)) {
      Http2Headers headers =
          new DefaultHttp2Headers(false)
              .method("POST")
              .scheme("http")
              .authority("svc")
              .path(call.path())
              .add("content-type", call.contentType())
              .add("te", "trailers");
      int length = call.frames().stream().mapToInt(String::length).sum();
      if (call.contentLength()) {
        headers.add("content-length", Integer.toString(length));
      }
      client.headers(1, headers, false);
      for (int i = 0; i < call.frames().size(); i++) {
        boolean last = i == call.frames().size() - 1;
        client.frame(
            RawHttp2Client.DATA,
            last ? RawHttp2Client.END_STREAM : 0,
            1,
            call.frames().get(i).getBytes(StandardCharsets.ISO_8859_1));
        client.flush();
      }
      List<RawHttp2Client.Frame> frames =
          client.readUntil(
              50,
              f ->
                  f.streamId() == 1
                      && (f.type() == RawHttp2Client.RST_STREAM
                          || (f.flags() & RawHttp2Client.END_STREAM) != 0));
      SortedMap<String, String> responseHeaders = null;
      SortedMap<String, String> trailers = null;
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      String end = "no end";
      for (RawHttp2Client.Frame f : frames) {
        if (f.streamId() != 1) {
          continue;
        }
        if (f.type() == RawHttp2Client.HEADERS) {
          if (responseHeaders == null) {
            responseHeaders = selected(f.headers(), RESPONSE_HEADERS);
          } else {
            trailers = selected(f.headers(), RESPONSE_HEADERS);
          }
        } else if (f.type() == RawHttp2Client.DATA) {
          body.writeBytes(f.payload());
        }
        if (f.type() == RawHttp2Client.RST_STREAM) {
          end = "RST_STREAM " + f.errorCode();
        } else if ((f.flags() & RawHttp2Client.END_STREAM) != 0) {
          end = f.type() == RawHttp2Client.HEADERS ? "END_STREAM on HEADERS" : "END_STREAM on DATA";
        }
      }
      UpstreamSaw saw = null;
      if (upstream.received().size() > before) {
        Received r = upstream.received().get(upstream.received().size() - 1);
        SortedMap<String, String> seen = new TreeMap<>();
        for (String name : UPSTREAM_HEADERS) {
          if (r.headers().contains(name)) {
            seen.put(name, String.join(",", r.headers().getAll(name)));
          }
        }
        saw = new UpstreamSaw(r.method(), r.uri(), seen, printable(r.body()));
      }
      return new Exchange(
          responseHeaders,
          printable(body.toString(StandardCharsets.ISO_8859_1)),
          trailers,
          end,
          saw);
    }
  }

  private static SortedMap<String, String> selected(Http2Headers headers, Set<String> names) {
    SortedMap<String, String> out = new TreeMap<>();
    for (String name : names) {
      List<CharSequence> values = headers.getAll(name);
      if (!values.isEmpty()) {
        out.put(name, String.join(",", values));
      }
    }
    return out;
  }

  /** Bytes as text, control bytes (the frame headers) written {@code \xNN} so a diff shows them. */
  static String printable(String bytes) {
    StringBuilder out = new StringBuilder();
    for (char c : bytes.toCharArray()) {
      if (c < 0x20 || c > 0x7e) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** A message with its 5-byte gRPC frame header, one char per byte (ISO-8859-1). */
  static String framed(String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(m.length >>> 24);
    out.write(m.length >>> 16);
    out.write(m.length >>> 8);
    out.write(m.length);
    out.writeBytes(m);
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  // --- Attaché alone, seen by a real grpc-java client ---

  private TestHttpServer upstream;
  private ProxyHarness proxy;
  private ManagedChannel channel;

  private void start(String variant) throws Exception {
    upstream = TestHttpServer.http1(GrpcHttp1ReverseBridgeIT::upstreamReply);
    proxy = ProxyHarness.start(bootstrap(upstream.port(), VARIANTS.get(variant)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private static MethodDescriptor<byte[], byte[]> method(
      String fullName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(RawGrpcService.BYTES, RawGrpcService.BYTES)
        .setType(type)
        .setFullMethodName(fullName)
        .build();
  }

  private String unary(String fullName, String message) {
    byte[] reply =
        ClientCalls.blockingUnaryCall(
            channel,
            method(fullName, MethodDescriptor.MethodType.UNARY),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            message.getBytes(StandardCharsets.UTF_8));
    return new String(reply, StandardCharsets.ISO_8859_1);
  }

  private Received lastReceived() {
    return upstream.received().get(upstream.received().size() - 1);
  }

  @Test
  void aUnaryCallReachesThePlainServerAsBareProtobufAndComesBackWithStatusOk() throws Exception {
    start("withheld");

    assertThat(unary("bridge.Echo/Echo", "hi")).isEqualTo("echo:hi");

    Received r = lastReceived();
    assertThat(r.protocol()).isEqualTo("HTTP/1.1");
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.uri()).isEqualTo("/bridge.Echo/Echo");
    assertThat(r.headers().get("content-type")).isEqualTo(PROTOBUF);
    assertThat(r.headers().get("accept")).isEqualTo(PROTOBUF);
    assertThat(r.body()).isEqualTo("hi");
  }

  @Test
  void anUpstreamErrorStatusReachesTheClientAsTheMappedGrpcStatus() throws Exception {
    start("withheld");

    // 503 → UNAVAILABLE (14) in the trailer; grpc-java reads the non-200 :status first.
    assertThatThrownBy(() -> unary("bridge.Echo/Unavailable", "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // A 404 without a body: headers only, so nothing adds a trailer; grpc-java maps the 404.
    assertThatThrownBy(() -> unary("bridge.Echo/NotFound", "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void anUpstreamWithTheWrongContentTypeIsAnsweredUnknownWithEnvoysMessage() throws Exception {
    start("withheld");

    assertThatThrownBy(() -> unary("bridge.Echo/WrongType", "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo(
                      "envoy reverse bridge: upstream responded with unsupported content-type"
                          + " text/plain, status code 200");
            });
    assertThatThrownBy(() -> unary("bridge.Echo/NoType", "x"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(
                        "envoy reverse bridge: upstream responded with no content-type header,"
                            + " status code 200"));
  }

  @Test
  void aRouteWithTheFilterDisabledPassesTheGrpcRequestThroughUntouched() throws Exception {
    start("withheld");

    // The plain server answers application/grpc without trailers: the client sees no status.
    assertThatThrownBy(() -> unary("off.Echo/Grpc", "hi"))
        .isInstanceOf(StatusRuntimeException.class);

    Received r = lastReceived();
    assertThat(r.uri()).isEqualTo("/off.Echo/Grpc");
    assertThat(r.headers().get("content-type")).isEqualTo("application/grpc");
    assertThat(r.headers().contains("accept")).isFalse();
    assertThat(r.body()).isEqualTo(framed("hi"));
  }

  @Test
  void aNonGrpcRequestPassesThroughUntouched() throws Exception {
    start("withheld");

    Exchange seen =
        exchange(
            proxy.port(),
            upstream,
            new Call("/api/items", "application/json", List.of("{\"a\":1}"), true));

    assertThat(seen.upstream().headers())
        .containsEntry("content-type", "application/json")
        .containsEntry("content-length", "7")
        .doesNotContainKey("accept");
    assertThat(seen.upstream().body()).isEqualTo("{\"a\":1}");
    assertThat(seen.headers()).containsEntry("content-type", "application/json");
    assertThat(seen.body()).isEqualTo("got:{\"a\":1}");
    assertThat(seen.trailers()).isNull();
  }

  @Test
  void theResponseSizeHeaderLetsTheReplyStreamAndAWrongSizeIsInternal() throws Exception {
    start("sized");

    assertThat(unary("bridge.Echo/Sized", "hi")).isEqualTo("echo:hi");
    assertThatThrownBy(() -> unary("bridge.Echo/MisSized", "hi"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    assertThatThrownBy(() -> unary("bridge.Echo/Echo", "hi"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("envoy reverse bridge: upstream did not set content length");
            });
  }

  @Test
  void withoutWithholdingTheUpstreamSeesAndSendsTheFrames() throws Exception {
    start("framed");

    assertThat(unary("bridge.Echo/Framed", "hi")).isEqualTo("echo:" + framed("hi"));
    assertThat(lastReceived().body()).isEqualTo(framed("hi"));
    assertThat(lastReceived().headers().get("content-type")).isEqualTo(PROTOBUF);
  }

  @Test
  void aClientStreamingCallHasOnlyItsFirstFrameHeaderWithheld() throws Exception {
    start("withheld");
    CompletableFuture<String> reply = new CompletableFuture<>();
    StreamObserver<byte[]> requests =
        ClientCalls.asyncClientStreamingCall(
            channel.newCall(
                method("bridge.Echo/Echo", MethodDescriptor.MethodType.CLIENT_STREAMING),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {
                reply.complete(new String(value, StandardCharsets.ISO_8859_1));
              }

              @Override
              public void onError(Throwable t) {
                reply.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                reply.complete(null);
              }
            });
    requests.onNext("a".getBytes(StandardCharsets.UTF_8));
    requests.onNext("b".getBytes(StandardCharsets.UTF_8));
    requests.onCompleted();

    // The bridge strips one frame header: the second message arrives still framed, and the plain
    // server's whole reply comes back to the client as one message.
    String expected = "a" + framed("b");
    assertThat(reply.get(15, TimeUnit.SECONDS)).isEqualTo("echo:" + expected);
    assertThat(lastReceived().body()).isEqualTo(expected);
  }
}
