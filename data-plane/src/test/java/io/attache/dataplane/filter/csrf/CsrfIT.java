package io.attache.dataplane.filter.csrf;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CSRF filter on real sockets, with policies on the virtual host and on routes as Envoy's csrf
 * sandbox has them: a same-origin POST reaches the upstream, a cross-origin one is answered 403
 * {@code Invalid origin} without reaching it, a shadow-mode route lets it through and counts it.
 */
class CsrfIT {
  static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.csrf
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                    filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
      """;

  static final String ROUTES =
      """
      - match: { prefix: "/csrf/shadow" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.csrf:
            "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
            filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
            shadow_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
      - match: { prefix: "/csrf/additional_origin" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.csrf:
            "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
            filter_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
            additional_origins: [ { suffix: ".partner.example" } ]
      - match: { prefix: "/" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.csrf:
            "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
            filter_enabled:
              default_value: { numerator: 100, denominator: HUNDRED }
              runtime_key: csrf.www.enabled
      """;

  static final String P = "http.ingress.csrf.";

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  static String yaml(int upstreamPort) {
    return bootstrap("", ROUTES, staticCluster("backend", "", upstreamPort))
        .replace("          http_filters:\n", FILTERS);
  }

  @BeforeEach
  void start() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy = ProxyHarness.start(yaml(upstream.port()));
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

  private HttpResponse<String> post(String path, String origin) throws Exception {
    return client.send(
        HttpRequest.newBuilder(proxy.uri(path))
            .timeout(Duration.ofSeconds(10))
            .header("origin", origin)
            .POST(HttpRequest.BodyPublishers.ofString("amount=100"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aSameOriginPostReachesTheUpstreamAndACrossOriginOneIsRefused() throws Exception {
    String self = "http://127.0.0.1:" + proxy.port();
    assertThat(post("/transfer", self).statusCode()).isEqualTo(200);

    HttpResponse<String> refused = post("/transfer", "http://evil.example");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).isEqualTo("Invalid origin");
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat(P + "request_valid")).isEqualTo(1);
    assertThat(proxy.stat(P + "request_invalid")).isEqualTo(1);
  }

  @Test
  void aShadowRouteLetsACrossOriginPostThroughAndCountsIt() throws Exception {
    assertThat(post("/csrf/shadow", "http://evil.example").statusCode()).isEqualTo(200);
    assertThat(post("/csrf/additional_origin", "https://app.partner.example").statusCode())
        .isEqualTo(200);

    assertThat(upstream.received()).hasSize(2);
    assertThat(proxy.stat(P + "request_invalid")).isEqualTo(1);
    assertThat(proxy.stat(P + "request_valid")).isEqualTo(1);
  }
}
