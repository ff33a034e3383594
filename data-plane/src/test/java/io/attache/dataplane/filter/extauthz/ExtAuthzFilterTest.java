package io.attache.dataplane.filter.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.attache.dataplane.filter.router.RecordingCluster;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ext_authz filter on the connection manager's chain, on virtual time: the authorization
 * service is a recording cluster whose upstream stream the test reads the check from and writes the
 * answer into. Routes forward to a cluster that does not exist (the router's 503 shows the filter
 * let the request through) unless they forward to {@code backend}, whose recorded events show what
 * the filter charged to the route's cluster.
 */
class ExtAuthzFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          typed_per_filter_config:
            envoy.filters.http.ext_authz:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
              check_settings: { context_extensions: { vhost: all, level: vhost } }
          routes:
          - match: { prefix: "/open" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.ext_authz:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                disabled: true
          - match: { prefix: "/backend" }
            route: { cluster: backend }
          - match: { prefix: "/" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.ext_authz:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                check_settings: { context_extensions: { level: route } }
      http_filters:
      - name: envoy.filters.http.ext_authz
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
          transport_api_version: V3
      %s
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String GRPC =
      """
          grpc_service: { envoy_grpc: { cluster_name: authz }, timeout: 0.5s }
      """;

  private static final String HTTP =
      """
          http_service:
            server_uri: { uri: "http://authz", cluster: authz, timeout: 0.25s }
            path_prefix: /check
            authorization_request:
              headers_to_add: [{ key: x-authz-caller, value: proxy }]
            authorization_response:
              allowed_upstream_headers: { patterns: [{ exact: x-user }] }
              allowed_client_headers_on_success: { patterns: [{ prefix: x-session }] }
              allowed_client_headers: { patterns: [{ exact: x-reason }] }
      """;

  private StreamHarness harness;
  private RecordingCluster authz;
  private RecordingCluster backend;

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
    if (authz != null) {
      authz.upstreams.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
  }

  private StreamHarness start(String serviceAndOptions) throws Exception {
    return start(serviceAndOptions, RandomSource.seeded(1));
  }

  private StreamHarness start(String serviceAndOptions, RandomSource random) throws Exception {
    return start(HCM, serviceAndOptions, random);
  }

  private StreamHarness start(String hcm, String serviceAndOptions, RandomSource random)
      throws Exception {
    String yaml = hcm.formatted(serviceAndOptions.stripTrailing());
    Map<String, io.attache.dataplane.cluster.ClusterHandle> clusters = new HashMap<>();
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml), random, clusters::get);
    authz = new RecordingCluster("authz", harness.stats, random);
    backend = new RecordingCluster("backend", harness.stats, random);
    clusters.put("authz", authz);
    clusters.put("backend", backend);
    return harness;
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    r.headers().set("host", "example.com");
    r.headers().set("authorization", "Bearer abc");
    r.headers().set("x-request-id", "rid-1");
    return r;
  }

  /** The check the filter sent to the gRPC service. */
  private CheckRequest sentCheck() throws Exception {
    FullHttpRequest call = authz.upstreams.get(0).readOutbound();
    try {
      assertThat(call.uri()).isEqualTo("/envoy.service.auth.v3.Authorization/Check");
      assertThat(call.headers().get("content-type")).isEqualTo("application/grpc");
      assertThat(call.headers().get("grpc-timeout")).isEqualTo("500m");
      ByteBuf body = call.content();
      assertThat(body.readByte()).isZero();
      int length = body.readInt();
      byte[] message = new byte[length];
      body.readBytes(message);
      return CheckRequest.parseFrom(message);
    } finally {
      call.release();
    }
  }

  private void answerGrpc(CheckResponse check) {
    byte[] message = check.toByteArray();
    ByteBuf framed = Unpooled.buffer();
    framed.writeByte(0).writeInt(message.length).writeBytes(message);
    DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers().set("content-type", "application/grpc");
    LastHttpContent last = new DefaultLastHttpContent(framed);
    last.trailingHeaders().set("grpc-status", "0");
    authz.upstreams.get(0).writeInbound(head, last);
  }

  private void answerHttp(int status, Map<String, String> headers, String body) {
    DefaultHttpResponse head =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    headers.forEach(head.headers()::set);
    authz
        .upstreams
        .get(0)
        .writeInbound(
            head, new DefaultLastHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
  }

  private static CheckResponse allow(HeaderValueOption... headers) {
    return CheckResponse.newBuilder()
        .setStatus(Status.newBuilder().setCode(0))
        .setOkResponse(OkHttpResponse.newBuilder().addAllHeaders(java.util.List.of(headers)))
        .build();
  }

  private static HeaderValueOption header(
      String name, String value, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(action)
        .build();
  }

  /** The filter let the request through: the router answered for the missing cluster. */
  private void assertPassed() {
    assertThat(harness.downstream.status()).isEqualTo(503);
    assertThat(harness.info().responseCodeDetails()).doesNotStartWith("ext_authz");
  }

  private FullHttpResponse reply() {
    return harness.downstream.written.stream()
        .filter(FullHttpResponse.class::isInstance)
        .map(FullHttpResponse.class::cast)
        .findFirst()
        .orElseThrow();
  }

  /**
   * Envoy 1.40.0 validates ext_authz with transport_api_version absent (AUTO), V2 or V3 and has
   * only the v3 Authorization service to call; Envoy's own ext_authz sandbox configs leave it out.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "transport_api_version: AUTO", "transport_api_version: V2"})
  void whateverTransportApiVersionSaysTheCheckGoesToTheV3AuthorizationService(String version)
      throws Exception {
    StreamHarness h =
        start(HCM.replace("transport_api_version: V3", version), GRPC, RandomSource.seeded(1));
    h.request(get("/api"));

    assertThat(sentCheck().getAttributes().getRequest().getHttp().getPath()).isEqualTo("/api");
  }

  @Test
  void theCheckCarriesTheRequestAttributesAndMergedContextExtensions() throws Exception {
    StreamHarness h = start(GRPC);
    h.request(get("/api?x=1"));

    CheckRequest check = sentCheck();
    var http = check.getAttributes().getRequest().getHttp();
    assertThat(http.getMethod()).isEqualTo("GET");
    assertThat(http.getPath()).isEqualTo("/api?x=1");
    assertThat(http.getHost()).isEqualTo("example.com");
    assertThat(http.getId()).isEqualTo("rid-1");
    assertThat(http.getScheme()).isEqualTo("http");
    assertThat(http.getProtocol()).isEqualTo("HTTP/1.1");
    assertThat(http.getHeadersMap())
        .containsEntry("authorization", "Bearer abc")
        .containsEntry(":authority", "example.com")
        .containsEntry(":path", "/api?x=1")
        .containsEntry(":method", "GET");
    assertThat(check.getAttributes().getContextExtensionsMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of("vhost", "all", "level", "route"));
    assertThat(h.downstream.status()).as("stopped until the answer").isZero();
  }

  @Test
  void anAllowingAnswerContinuesWithItsHeaderChanges() throws Exception {
    StreamHarness h = start(GRPC);
    FullHttpRequest request = get("/api");
    request.headers().set("x-tenant", "old");
    request.headers().set("x-trace", "a");
    h.request(request);
    sentCheck();

    answerGrpc(
        allow(
            header(
                "x-tenant",
                "acme",
                HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
            header("x-trace", "b", HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
                .toBuilder()
                .setAppend(com.google.protobuf.BoolValue.of(true))
                .build(),
            header("x-absent", "1", HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS)));

    assertPassed();
    assertThat(request.headers().getAll("x-tenant")).containsExactly("acme");
    assertThat(request.headers().getAll("x-trace")).containsExactly("a", "b");
    assertThat(request.headers().contains("x-absent")).isFalse();
    assertThat(h.counter("http.ingress.ext_authz.ok")).isEqualTo(1);
    assertThat(authz.events)
        .containsExactly(
            "started", "response 200", "charged 200", "ended COMPLETED", "released reusable=true");
  }

  @Test
  void aDenialIsAnsweredWithTheServicesStatusBodyAndHeadersAndChargedToTheRouteCluster()
      throws Exception {
    StreamHarness h = start(GRPC);
    h.request(get("/backend/x"));
    sentCheck();

    answerGrpc(
        CheckResponse.newBuilder()
            .setStatus(Status.newBuilder().setCode(7))
            .setDeniedResponse(
                DeniedHttpResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                    .setBody("who are you")
                    .addHeaders(
                        header(
                            "www-authenticate",
                            "Bearer",
                            HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)))
            .build());

    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body()).isEqualTo("who are you");
    assertThat(reply().headers().get("www-authenticate")).isEqualTo("Bearer");
    assertThat(h.info().responseCodeDetails()).isEqualTo("ext_authz_denied");
    assertThat(h.counter("http.ingress.ext_authz.denied")).isEqualTo(1);
    assertThat(h.counter("cluster.backend.ext_authz.denied")).isEqualTo(1);
    assertThat(backend.events).containsExactly("charged 401");
  }

  @Test
  void aServiceThatDoesNotAnswerInTimeIsAnErrorAnsweredWithStatusOnError() throws Exception {
    StreamHarness h = start(GRPC + "    status_on_error: { code: ServiceUnavailable }\n");
    h.request(get("/api"));
    sentCheck();

    h.time.advance(Duration.ofMillis(499));
    assertThat(h.downstream.status()).isZero();
    h.time.advance(Duration.ofMillis(1));

    assertThat(h.downstream.status()).isEqualTo(503);
    assertThat(h.info().responseCodeDetails()).isEqualTo("ext_authz_error");
    assertThat(h.counter("http.ingress.ext_authz.error")).isEqualTo(1);
    assertThat(authz.events).contains("ended TIMEOUT", "released reusable=false");
  }

  @Test
  void failureModeAllowLetsTheRequestThroughMarkedWhenTheServiceFails() throws Exception {
    StreamHarness h =
        start(GRPC + "    failure_mode_allow: true\n    failure_mode_allow_header_add: true\n");
    FullHttpRequest request = get("/backend/x");
    h.request(request);
    sentCheck();

    h.time.advance(Duration.ofMillis(500));

    assertThat(request.headers().get("x-envoy-auth-failure-mode-allowed")).isEqualTo("true");
    assertThat(h.counter("http.ingress.ext_authz.error")).isEqualTo(1);
    assertThat(h.counter("http.ingress.ext_authz.failure_mode_allowed")).isEqualTo(1);
    assertThat(h.counter("cluster.backend.ext_authz.failure_mode_allowed")).isEqualTo(1);
    assertThat(backend.upstreams).as("forwarded to the route's cluster").hasSize(1);
  }

  @Test
  void aRouteThatDisablesTheFilterIsNotChecked() throws Exception {
    StreamHarness h = start(GRPC);
    h.request(get("/open"));

    assertPassed();
    assertThat(authz.upstreams).isEmpty();
    assertThat(h.counter("http.ingress.ext_authz.ok")).isZero();
  }

  @Test
  void aRequestFilterEnabledSkipsIsCountedDisabledAndDeniedOnlyWithDenyAtDisable()
      throws Exception {
    String off = GRPC + "    filter_enabled: { default_value: { numerator: 0 } }\n";
    StreamHarness h = start(off);
    h.request(get("/api"));
    assertPassed();
    assertThat(h.counter("http.ingress.ext_authz.disabled")).isEqualTo(1);
    assertThat(authz.upstreams).isEmpty();
    release();

    h = start(off + "    deny_at_disable: { default_value: true, runtime_key: k }\n");
    h.request(get("/api"));
    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(authz.upstreams).isEmpty();
  }

  @Test
  void theHttpServiceGetsThePrefixedPathAndOnlyTheAlwaysSentHeaders() throws Exception {
    StreamHarness h = start(HTTP);
    FullHttpRequest request = get("/api?q=1");
    request.headers().set("cookie", "secret");
    h.request(request);

    FullHttpRequest call = authz.upstreams.get(0).readOutbound();
    try {
      assertThat(call.method()).isEqualTo(HttpMethod.GET);
      assertThat(call.uri()).isEqualTo("/check/api?q=1");
      assertThat(call.headers().get("host")).isEqualTo("example.com");
      assertThat(call.headers().get("authorization")).isEqualTo("Bearer abc");
      assertThat(call.headers().get("x-authz-caller")).isEqualTo("proxy");
      assertThat(call.headers().get("content-length")).isEqualTo("0");
      assertThat(call.headers().contains("cookie")).isFalse();
    } finally {
      call.release();
    }
  }

  @Test
  void anHttpServicesOkSetsAllowedUpstreamAndClientHeaders() throws Exception {
    StreamHarness h = start(HTTP);
    FullHttpRequest request = get("/api");
    h.request(request);
    ((FullHttpRequest) authz.upstreams.get(0).readOutbound()).release();

    answerHttp(200, Map.of("x-user", "alice", "x-session", "s1", "x-other", "no"), "");

    assertPassed();
    assertThat(request.headers().get("x-user")).isEqualTo("alice");
    assertThat(request.headers().contains("x-other")).isFalse();
    assertThat(reply().headers().get("x-session")).isEqualTo("s1");
  }

  @Test
  void anHttpServicesRefusalIsForwardedAndItsServerErrorIsAnError() throws Exception {
    StreamHarness h = start(HTTP);
    h.request(get("/api"));
    ((FullHttpRequest) authz.upstreams.get(0).readOutbound()).release();
    answerHttp(401, Map.of("x-reason", "expired", "x-internal", "hidden"), "expired token");

    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body()).isEqualTo("expired token");
    assertThat(reply().headers().get("x-reason")).isEqualTo("expired");
    assertThat(reply().headers().contains("x-internal")).isFalse();
    release();

    h = start(HTTP);
    h.request(get("/api"));
    ((FullHttpRequest) authz.upstreams.get(0).readOutbound()).release();
    answerHttp(503, Map.of(), "down");
    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.counter("http.ingress.ext_authz.error")).isEqualTo(1);
  }

  @Test
  void withRequestBodyTheBodyIsBufferedAndSentInTheCheck() throws Exception {
    StreamHarness h =
        start(
            GRPC
                + "    with_request_body: { max_request_bytes: 4, allow_partial_message: true }\n");
    DefaultHttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api");
    head.headers().set("host", "example.com");
    head.headers().set("content-length", "6");
    h.request(head);
    assertThat(authz.upstreams).as("waits for the body").isEmpty();

    h.body(new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.UTF_8)));
    assertThat(authz.upstreams).isEmpty();
    h.body(new DefaultLastHttpContent(Unpooled.copiedBuffer("def", StandardCharsets.UTF_8)));

    var http = sentCheck().getAttributes().getRequest().getHttp();
    assertThat(http.getBody()).isEqualTo("abcd");
    assertThat(http.getSize()).isEqualTo(6);
    assertThat(http.getHeadersMap()).containsEntry("x-envoy-auth-partial-body", "true");
    answerGrpc(allow());
    assertPassed();
  }

  @Test
  void aHeaderWithNeitherAppendNorAnAppendActionOverwritesTheCallersOwnAsEnvoyDoes()
      throws Exception {
    StreamHarness h = start(GRPC);
    FullHttpRequest request = get("/api");
    request.headers().set("x-user", "mallory");
    h.request(request);
    sentCheck();

    answerGrpc(
        allow(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("x-user").setValue("alice"))
                .build()));

    assertPassed();
    assertThat(request.headers().getAll("x-user")).containsExactly("alice");
  }
}
