package io.attache.dataplane.filter.jwt;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The jwt_authn filter in a real proxy on real sockets, with its keys served by a real JWKS server
 * behind a cluster: verdicts, what the upstream sees, the key cache and fetch failures.
 */
class JwtAuthnIT {
  private static final String FILTERS =
      """
      http_filters:
      - name: envoy.filters.http.jwt_authn
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
          providers:
            mesh:
              issuer: spiffe://mesh.local
              audiences: [payments]
              remote_jwks:
                http_uri: { uri: "http://keys.mesh.local/jwks", cluster: jwks, timeout: 5s }
                cache_duration: 300s
              claim_to_headers: [{ header_name: x-caller, claim_name: sub }]
              payload_in_metadata: caller
          rules:
          - match: { prefix: "/healthz" }
          - match: { prefix: "/" }
            requires: { provider_name: mesh }
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: ALLOW
            policies:
              refunds-from-orders:
                permissions: [{ url_path: { path: { prefix: /refund } } }]
                principals:
                - metadata:
                    filter: envoy.filters.http.jwt_authn
                    path: [{ key: caller }, { key: sub }]
                    value: { string_match: { exact: "spiffe://mesh.local/ns/shop/sa/orders" } }
              everything-else:
                permissions: [{ not_rule: { url_path: { path: { prefix: /refund } } } }]
                principals: [{ any: true }]
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private TestHttpServer upstream;
  private TestHttpServer jwksServer;
  private ProxyHarness proxy;
  private TestTokens keys;

  @BeforeEach
  void start() throws Exception {
    keys = TestTokens.rsa("mesh-1");
    upstream = TestHttpServer.http1(TestHttpServer.echo("payments"));
    jwksServer = TestHttpServer.http1(r -> Reply.ok(keys.jwks()));
    String yaml =
        bootstrap(
                "",
                ProxyHarness.routeAllTo("payments"),
                staticCluster("payments", "", upstream.port())
                    + staticCluster("jwks", "", jwksServer.port()))
            .replace(
                """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """,
                FILTERS.indent(10));
    assertThat(yaml).contains("jwt_authn");
    proxy = ProxyHarness.start(yaml);
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (jwksServer != null) {
      jwksServer.close();
    }
  }

  private String token(String audience) throws Exception {
    return token(audience, "spiffe://mesh.local/ns/shop/sa/orders");
  }

  private String token(String audience, String subject) throws Exception {
    long now = Instant.now().getEpochSecond();
    return keys.sign(
        "{\"iss\":\"spiffe://mesh.local\",\"sub\":\"%s\",".formatted(subject)
            + "\"aud\":\"%s\",\"iat\":%d,\"exp\":%d}".formatted(audience, now, now + 600));
  }

  @Test
  void rbacAfterJwtAuthnAllowsOnlyTheCallerTheVerifiedPayloadNames() throws Exception {
    HttpResponse<String> orders = call("/refund", "Bearer " + token("payments"));
    HttpResponse<String> other =
        call("/refund", "Bearer " + token("payments", "spiffe://mesh.local/ns/shop/sa/cart"));
    HttpResponse<String> forgedHeader =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/refund"))
                .header("authorization", "Bearer " + token("payments", "spiffe://x/cart"))
                .header("x-caller", "spiffe://mesh.local/ns/shop/sa/orders"));

    assertThat(orders.statusCode()).isEqualTo(200);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(other.body()).isEqualTo("RBAC: access denied");
    assertThat(forgedHeader.statusCode()).isEqualTo(403);
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("http.ingress.rbac.denied")).isEqualTo(2);
  }

  private HttpResponse<String> call(String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return proxy.send(b);
  }

  @Test
  void aVerifiedCallerReachesTheUpstreamWithItsIdentityAndTheKeysAreFetchedOnce() throws Exception {
    HttpResponse<String> first = call("/charge", "Bearer " + token("payments"));
    HttpResponse<String> second = call("/charge", "Bearer " + token("payments"));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(2);
    TestHttpServer.Received seen = upstream.received().get(0);
    assertThat(seen.headers().get("x-caller")).isEqualTo("spiffe://mesh.local/ns/shop/sa/orders");
    assertThat(seen.headers().contains("authorization")).isFalse();
    assertThat(jwksServer.received()).hasSize(1);
    assertThat(jwksServer.received().get(0).uri()).isEqualTo("/jwks");
    assertThat(jwksServer.received().get(0).headers().get("host")).isEqualTo("keys.mesh.local");
    assertThat(proxy.stat("http.ingress.jwt_authn.jwks_fetch_success")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.jwt_authn.allowed")).isEqualTo(2);
  }

  @Test
  void missingForgedAndWronglyAddressedTokensNeverReachTheUpstream() throws Exception {
    TestTokens forger = TestTokens.rsa("mesh-1");
    long now = Instant.now().getEpochSecond();
    String forged =
        forger.sign(
            "{\"iss\":\"spiffe://mesh.local\",\"sub\":\"x\",\"aud\":\"payments\",\"exp\":%d}"
                .formatted(now + 600));

    HttpResponse<String> missing = call("/charge", null);
    HttpResponse<String> bad = call("/charge", "Bearer " + forged);
    HttpResponse<String> wrongAudience = call("/charge", "Bearer " + token("orders"));
    HttpResponse<String> open = call("/healthz", null);

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).isEqualTo("Jwt is missing");
    assertThat(missing.headers().firstValue("www-authenticate"))
        .hasValue("Bearer realm=\"http://127.0.0.1:" + proxy.port() + "/charge\"");
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.body()).isEqualTo("Jwt verification fails");
    assertThat(bad.headers().firstValue("www-authenticate").orElseThrow())
        .endsWith(", error=\"invalid_token\"");
    assertThat(wrongAudience.statusCode()).isEqualTo(403);
    assertThat(open.statusCode()).isEqualTo(200);
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/healthz");
    assertThat(proxy.stat("http.ingress.jwt_authn.denied")).isEqualTo(3);
  }

  @Test
  void aFailedKeyFetchIsA401AndIsNotCached() throws Exception {
    jwksServer.setHandler(r -> Reply.status(503));

    HttpResponse<String> duringOutage = call("/charge", "Bearer " + token("payments"));
    jwksServer.setHandler(r -> Reply.ok(keys.jwks()));
    HttpResponse<String> afterOutage = call("/charge", "Bearer " + token("payments"));

    assertThat(duringOutage.statusCode()).isEqualTo(401);
    assertThat(duringOutage.body()).isEqualTo("Jwks remote fetch is failed");
    assertThat(afterOutage.statusCode()).isEqualTo(200);
    assertThat(proxy.stat("http.ingress.jwt_authn.jwks_fetch_failed")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.jwt_authn.jwks_fetch_success")).isEqualTo(1);
  }
}
