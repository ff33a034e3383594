package io.attache.dataplane.filter.cors;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CORS filter on real sockets: a preflight answered by the proxy without reaching the upstream,
 * a cross-origin request forwarded with the allow headers added to the upstream's response, and an
 * unknown origin's requests forwarded untouched.
 */
class CorsIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.cors
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
      """;

  private static final String ROUTES =
      """
      - match: { prefix: "/" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.cors:
            "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
            allow_origin_string_match: [ { suffix: ".app.example" } ]
            allow_methods: GET,PUT
            allow_headers: content-type
            expose_headers: x-trace
            max_age: "60"
            allow_credentials: true
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap("", ROUTES, staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", FILTERS));
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aPreflightFromAnAllowedOriginIsAnsweredByTheProxyAndNeverReachesTheUpstream()
      throws Exception {
    HttpResponse<String> response =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/items/1"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "https://shop.app.example")
                .header("access-control-request-method", "PUT"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("access-control-allow-origin"))
        .contains("https://shop.app.example");
    assertThat(response.headers().firstValue("access-control-allow-methods")).contains("GET,PUT");
    assertThat(response.headers().firstValue("access-control-allow-headers"))
        .contains("content-type");
    assertThat(response.headers().firstValue("access-control-max-age")).contains("60");
    assertThat(response.headers().firstValue("access-control-allow-credentials")).contains("true");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.cors.origin_valid")).isEqualTo(1);
  }

  @Test
  void aCrossOriginRequestReachesTheUpstreamAndItsResponseCarriesTheAllowHeaders()
      throws Exception {
    HttpResponse<String> response =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/items"))
                .header("origin", "https://shop.app.example")
                .GET());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("access-control-allow-origin"))
        .contains("https://shop.app.example");
    assertThat(response.headers().firstValue("access-control-allow-credentials")).contains("true");
    assertThat(response.headers().firstValue("access-control-expose-headers")).contains("x-trace");
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/items");
  }

  @Test
  void anUnknownOriginsPreflightIsForwardedAndItsResponseGetsNoAllowOrigin() throws Exception {
    HttpResponse<String> response =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/items"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "https://evil.example")
                .header("access-control-request-method", "PUT"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("access-control-allow-origin")).isEmpty();
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("http.ingress.cors.origin_invalid")).isEqualTo(1);
  }
}
