package io.attache.dataplane.path;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.RawHttp1Client.Response;
import io.attache.dataplane.testing.TestHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Path tricks against a real RBAC deny over real sockets. With Envoy's edge recommendation ({@code
 * normalize_path}, {@code merge_slashes}, {@code path_with_escaped_slashes_action:
 * UNESCAPE_AND_REDIRECT}) none of them reaches the upstream past a DENY on {@code /admin}.
 */
class PathNormalizationRbacIT {
  private static final String HARDENED =
      """
      normalize_path: true
      merge_slashes: true
      path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT
      """;

  private static final String FILTERS =
      """
      http_filters:
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: DENY
            policies:
              admin:
                permissions: [ { url_path: { path: { prefix: /admin } } } ]
                principals: [ { any: true } ]
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void start(String hcmExtra) throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("app"));
    String yaml =
        bootstrap(
                hcmExtra, ProxyHarness.routeAllTo("app"), staticCluster("app", "", upstream.port()))
            .replace(
                """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """,
                FILTERS.indent(10));
    assertThat(yaml).contains("envoy.filters.http.rbac");
    proxy = ProxyHarness.start(yaml);
  }

  private Response get(String target) throws Exception {
    try (RawHttp1Client c = new RawHttp1Client(proxy.port(), 5_000)) {
      c.write("GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
      return c.readResponse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/admin", "//admin", "/./admin", "/%2e%2e/admin", "/x/..\\admin"})
  void aVectorThatNormalisesToTheDeniedPathIsDenied(String target) throws Exception {
    start(HARDENED);

    Response r = get(target);

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("RBAC: access denied");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.rbac.denied")).isEqualTo(1);
  }

  @Test
  void anEscapedSlashIsRedirectedToThePathItStandsForWhichIsThenDenied() throws Exception {
    start(HARDENED);

    Response redirect = get("/a/..%2Fadmin");
    Response followed = get(redirect.header("location"));

    assertThat(redirect.status()).isEqualTo(307);
    assertThat(redirect.header("location")).isEqualTo("/admin");
    assertThat(followed.status()).isEqualTo(403);
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.downstream_rq_redirected_with_normalized_path"))
        .isEqualTo(1);
  }

  @Test
  void theUpstreamGetsTheNormalisedPathTheRulesSaw() throws Exception {
    start(HARDENED);

    Response r = get("/public/../docs//index.html?q=/../x");

    assertThat(r.status()).isEqualTo(200);
    assertThat(upstream.received().get(0).uri()).isEqualTo("/docs/index.html?q=/../x");
  }

  @Test
  void aPathThatCannotBeMadeValidIsRefusedWith400() throws Exception {
    start(HARDENED);

    Response nul = get("/admin%00.png");
    Response fragment = get("/public#frag");

    assertThat(nul.status()).isEqualTo(400);
    assertThat(fragment.status())
        .as("HTTP/1.1's front door refuses a fragment before normalisation; HTTP/2 paths reach it")
        .isEqualTo(400);
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.downstream_rq_failed_path_normalization")).isEqualTo(1);
  }

  @Test
  void withEnvoysDefaultsThePathIsForwardedAsSentAsA140EnvoyForwardsIt() throws Exception {
    start("");

    Response r = get("//admin");

    assertThat(r.status())
        .as("Envoy's defaults normalise nothing: set normalize_path on listeners with path rules")
        .isEqualTo(200);
    assertThat(upstream.received().get(0).uri()).isEqualTo("//admin");
  }
}
