package io.attache.dataplane.filter.extauthz;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ext_authz filter in a real proxy on real sockets, against a real grpc-java {@code
 * Authorization} service and a real HTTP authorization server behind their clusters: verdicts, what
 * the upstream and the client see, and the service being down.
 */
class ExtAuthzIT {
  private static final String GRPC_FILTER =
      """
      http_filters:
      - name: envoy.filters.http.ext_authz
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
          transport_api_version: V3
          grpc_service: { envoy_grpc: { cluster_name: authz }, timeout: 5s }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String HTTP_FILTER =
      """
      http_filters:
      - name: envoy.filters.http.ext_authz
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
          transport_api_version: V3
          failure_mode_allow: true
          failure_mode_allow_header_add: true
          http_service:
            server_uri: { uri: "http://authz.local", cluster: authz, timeout: 5s }
            path_prefix: /verify
            authorization_response:
              allowed_upstream_headers: { patterns: [{ exact: x-user }] }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String ROUTER =
      """
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private final List<CheckRequest> checks = new CopyOnWriteArrayList<>();
  private TestHttpServer upstream;
  private TestHttpServer httpAuthz;
  private Server grpcAuthz;
  private ProxyHarness proxy;

  /** Allows {@code Bearer good} as alice; denies anything else with 401 and a reason. */
  private final class Authorization extends AuthorizationGrpc.AuthorizationImplBase {
    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
      checks.add(request);
      String auth =
          request.getAttributes().getRequest().getHttp().getHeadersMap().get("authorization");
      CheckResponse answer =
          "Bearer good".equals(auth)
              ? CheckResponse.newBuilder()
                  .setStatus(Status.newBuilder().setCode(0))
                  .setOkResponse(
                      OkHttpResponse.newBuilder()
                          .addHeaders(
                              HeaderValueOption.newBuilder()
                                  .setHeader(
                                      HeaderValue.newBuilder().setKey("x-user").setValue("alice")))
                          .addHeadersToRemove("authorization"))
                  .build()
              : CheckResponse.newBuilder()
                  .setStatus(Status.newBuilder().setCode(16))
                  .setDeniedResponse(
                      DeniedHttpResponse.newBuilder()
                          .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                          .setBody("bad credentials")
                          .addHeaders(
                              HeaderValueOption.newBuilder()
                                  .setHeader(
                                      HeaderValue.newBuilder()
                                          .setKey("x-authz-reason")
                                          .setValue("token"))))
                  .build();
      response.onNext(answer);
      response.onCompleted();
    }
  }

  @BeforeEach
  void startServers() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("payments"));
  }

  private void startProxy(String filters, String authzCluster) throws Exception {
    String yaml =
        bootstrap(
                "",
                ProxyHarness.routeAllTo("payments"),
                staticCluster("payments", "", upstream.port()) + authzCluster)
            .replace(ROUTER, filters.indent(10));
    assertThat(yaml).contains("ext_authz");
    proxy = ProxyHarness.start(yaml);
  }

  private void startGrpc() throws Exception {
    grpcAuthz =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(new Authorization())
            .build()
            .start();
    startProxy(
        GRPC_FILTER, staticCluster("authz", "http2_protocol_options: {}", grpcAuthz.getPort()));
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (grpcAuthz != null) {
      grpcAuthz.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (httpAuthz != null) {
      httpAuthz.close();
    }
    upstream.close();
  }

  private HttpResponse<String> call(String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return proxy.send(b);
  }

  @Test
  void theGrpcServiceAllowsWithItsHeadersAndDeniesWithItsReply() throws Exception {
    startGrpc();

    HttpResponse<String> allowed = call("/charge?amount=3", "Bearer good");
    HttpResponse<String> denied = call("/charge", "Bearer bad");

    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    TestHttpServer.Received seen = upstream.received().get(0);
    assertThat(seen.headers().get("x-user")).isEqualTo("alice");
    assertThat(seen.headers().contains("authorization")).isFalse();
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.body()).isEqualTo("bad credentials");
    assertThat(denied.headers().firstValue("x-authz-reason")).hasValue("token");

    assertThat(checks).hasSize(2);
    var first = checks.get(0).getAttributes();
    assertThat(first.getRequest().getHttp().getPath()).isEqualTo("/charge?amount=3");
    assertThat(first.getRequest().getHttp().getMethod()).isEqualTo("GET");
    assertThat(first.getSource().getAddress().getSocketAddress().getAddress())
        .isEqualTo("127.0.0.1");
    assertThat(first.getDestination().getAddress().getSocketAddress().getPortValue())
        .isEqualTo(proxy.port());
    assertThat(proxy.stat("http.ingress.ext_authz.ok")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.ext_authz.denied")).isEqualTo(1);
    assertThat(proxy.stat("cluster.payments.ext_authz.denied")).isEqualTo(1);
    assertThat(proxy.stat("cluster.authz.upstream_rq_completed")).isEqualTo(2);
  }

  @Test
  void aGrpcServiceThatIsDownDeniesWith403() throws Exception {
    startGrpc();
    grpcAuthz.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    HttpResponse<String> response = call("/charge", "Bearer good");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.ext_authz.error")).isEqualTo(1);
  }

  @Test
  void theHttpServiceDecidesByStatusAndFailureModeAllowsWhenItErrs() throws Exception {
    httpAuthz =
        TestHttpServer.http1(
            r ->
                "Bearer good".equals(r.headers().get("authorization"))
                    ? Reply.ok("").withHeader("x-user", "alice").withHeader("x-private", "no")
                    : r.uri().startsWith("/verify/broken")
                        ? Reply.status(500)
                        : new Reply(403, List.of(), "go away"));
    startProxy(HTTP_FILTER, staticCluster("authz", "", httpAuthz.port()));

    HttpResponse<String> allowed = call("/charge", "Bearer good");
    HttpResponse<String> denied = call("/charge", "Bearer bad");
    HttpResponse<String> broken = call("/broken", "Bearer bad");

    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).isEqualTo("go away");
    assertThat(broken.statusCode()).as("failure_mode_allow").isEqualTo(200);
    assertThat(httpAuthz.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/verify/charge", "/verify/charge", "/verify/broken");
    assertThat(upstream.received()).hasSize(2);
    assertThat(upstream.received().get(0).headers().get("x-user")).isEqualTo("alice");
    assertThat(upstream.received().get(0).headers().contains("x-private")).isFalse();
    assertThat(upstream.received().get(1).headers().get("x-envoy-auth-failure-mode-allowed"))
        .isEqualTo("true");
    assertThat(proxy.stat("http.ingress.ext_authz.failure_mode_allowed")).isEqualTo(1);
  }
}
