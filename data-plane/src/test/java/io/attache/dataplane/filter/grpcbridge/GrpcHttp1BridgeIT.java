package io.attache.dataplane.filter.grpcbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawHttp1Client;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gRPC HTTP/1.1 bridge through real sockets: a raw HTTP/1.1 client calls a real grpc-java
 * server (HTTP/2) through Attaché. A call's status arrives as headers with a content-length; a
 * failure after data is a 503; a protobuf body is framed and unframed; the query is dropped.
 */
class GrpcHttp1BridgeIT {
  private RawGrpcService server;
  private ProxyHarness proxy;

  /** The bootstrap both proxies run: the bridge with both options, an HTTP/2 cluster. */
  static String bootstrap(int grpcPort) {
    String base =
        ProxyHarness.bootstrap(
            "",
            ProxyHarness.routeAllTo("grpc"),
            ProxyHarness.staticCluster(
                "grpc",
                """
                typed_extension_protocol_options:
                  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                    explicit_http_config: { http2_protocol_options: {} }
                """,
                grpcPort));
    return ProxyPair.withHttpFilters(
        base,
        """
        http_filters:
        - name: envoy.filters.http.grpc_http1_bridge
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_http1_bridge.v3.Config
            upgrade_protobuf_to_grpc: true
            ignore_query_parameters: true
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """);
  }

  /** What one HTTP/1.1 call got, reduced to what the bridge decides. */
  record Seen(
      int status, String grpcStatus, String grpcMessage, String contentLength, String body) {
    static Seen of(RawHttp1Client.Response r) {
      return new Seen(
          r.status(),
          r.header("grpc-status"),
          r.header("grpc-message"),
          r.header("content-length"),
          r.body());
    }
  }

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

  /** The calls both proxies get: name → path, content-type, body. */
  static Map<String, String[]> calls() {
    Map<String, String[]> calls = new LinkedHashMap<>();
    calls.put("echo", new String[] {"/bridge.Echo/Echo", "application/grpc", framed("hi")});
    calls.put(
        "fails after data", new String[] {"/bridge.Echo/Fail", "application/grpc", framed("x")});
    calls.put(
        "unknown method", new String[] {"/bridge.Echo/Nope", "application/grpc", framed("x")});
    calls.put(
        "query dropped",
        new String[] {"/bridge.Echo/Echo?trace=1", "application/grpc", framed("q")});
    calls.put(
        "protobuf upgraded", new String[] {"/bridge.Echo/Echo", "application/x-protobuf", "pb"});
    return calls;
  }

  /** One call on a fresh connection to 127.0.0.1:{@code port}. */
  static Seen call(int port, String[] call) throws Exception {
    try (RawHttp1Client client = new RawHttp1Client(port, 20_000)) {
      client.write(
          "POST "
              + call[0]
              + " HTTP/1.1\r\nhost: grpc\r\ncontent-type: "
              + call[1]
              + "\r\ncontent-length: "
              + call[2].length()
              + "\r\n\r\n"
              + call[2]);
      return Seen.of(client.readResponse());
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = new RawGrpcService();
    proxy = ProxyHarness.start(bootstrap(server.port()));
  }

  @AfterEach
  void stop() throws Exception {
    proxy.close();
    server.close();
  }

  @Test
  void anHttp11ClientGetsTheCallsStatusAsHeadersAndTheFramedReply() throws Exception {
    Seen seen = call(proxy.port(), calls().get("echo"));

    assertThat(seen).isEqualTo(new Seen(200, "0", null, "12", framed("echo:hi")));
  }

  @Test
  void aFailureAfterDataIsA503WithTheStatusAndMessage() throws Exception {
    Seen seen = call(proxy.port(), calls().get("fails after data"));

    assertThat(seen).isEqualTo(new Seen(503, "14", "no backend", "12", framed("partial")));
  }

  @Test
  void theQueryIsDroppedSoTheServerFindsTheMethod() throws Exception {
    Seen seen = call(proxy.port(), calls().get("query dropped"));

    assertThat(seen.status()).isEqualTo(200);
    assertThat(seen.body()).isEqualTo(framed("echo:q"));
  }

  @Test
  void aProtobufBodyIsFramedForTheServerAndTheReplyUnframed() throws Exception {
    Seen seen = call(proxy.port(), calls().get("protobuf upgraded"));

    assertThat(seen).isEqualTo(new Seen(200, "0", null, "7", "echo:pb"));
  }
}
