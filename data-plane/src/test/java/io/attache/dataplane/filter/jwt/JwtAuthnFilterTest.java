package io.attache.dataplane.filter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The jwt_authn filter on the connection manager's chain with local keys: verdicts, Envoy's reply
 * shape and stats, and what a verified token adds to or removes from the request. The harness clock
 * stands at 2026-01-01T00:00:00Z. Routes with per-route config forward to a cluster that does not
 * exist: the router's 503 shows the filter let the request through.
 */
class JwtAuthnFilterTest {
  private static final long NOW = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
  private static TestTokens rsa;
  private static TestTokens ec;
  private static TestTokens stranger;

  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/named" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.jwt_authn:
                "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                requirement_name: either
          - match: { prefix: "/off" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.jwt_authn:
                "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                disabled: true
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.jwt_authn
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
          providers:
            rsa:
              issuer: https://issuer.example
              audiences: [payments]
              local_jwks: { inline_string: '%s' }
              forward_payload_header: x-jwt-payload
              claim_to_headers: [{ header_name: x-jwt-sub, claim_name: sub }]
            ec:
              issuer: ec-issuer
              local_jwks: { inline_string: '%s' }
              from_headers: [{ name: x-service-identity }]
              forward: true
          requirement_map:
            either:
              requires_any:
                requirements: [{ provider_name: rsa }, { provider_name: ec }]
          rules:
          - match: { prefix: "/public" }
          - match: { prefix: "/optional" }
            requires:
              requires_any:
                requirements: [{ provider_name: rsa }, { allow_missing: {} }]
          - match: { prefix: "/" }
            requires: { provider_name: rsa }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;

  @BeforeAll
  static void keys() throws Exception {
    rsa = TestTokens.rsa("k1");
    ec = TestTokens.ec("e1");
    stranger = TestTokens.rsa("k1");
  }

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  private StreamHarness start() throws Exception {
    String yaml = HCM.formatted(rsa.jwks(), ec.jwks());
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml));
    return harness;
  }

  private static FullHttpRequest get(String path) {
    FullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    r.headers().set("host", "example.com");
    return r;
  }

  private static String claims(String iss, String aud, long exp) {
    return "{\"iss\":\"%s\",\"sub\":\"alice\",\"aud\":\"%s\",\"exp\":%d}".formatted(iss, aud, exp);
  }

  private FullHttpResponse reply() {
    return harness.downstream.written.stream()
        .filter(FullHttpResponse.class::isInstance)
        .map(FullHttpResponse.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aValidTokenPassesWithItsClaimsAddedAndIsRemovedBecauseItIsNotForwarded() throws Exception {
    StreamHarness h = start();
    FullHttpRequest request = get("/api");
    request
        .headers()
        .set(
            "authorization",
            "Bearer " + rsa.sign(claims("https://issuer.example", "payments", NOW + 60)));
    request.headers().set("x-jwt-sub", "forged");

    h.request(request);

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(request.headers().getAll("x-jwt-sub")).containsExactly("alice");
    assertThat(request.headers().get("x-jwt-payload")).isNotEmpty();
    assertThat(request.headers().contains("authorization")).isFalse();
    assertThat(h.counter("http.ingress.jwt_authn.allowed")).isEqualTo(1);
    assertThat(h.counter("http.ingress.jwt_authn.denied")).isZero();
  }

  @Test
  void aMissingTokenIs401WithABearerChallengeAndNoInvalidTokenError() throws Exception {
    StreamHarness h = start();

    h.request(get("/api?x=1"));

    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body()).isEqualTo("Jwt is missing");
    assertThat(reply().headers().get("www-authenticate"))
        .isEqualTo("Bearer realm=\"http://example.com/api\"");
    assertThat(h.info().responseCodeDetails()).isEqualTo("jwt_authn_access_denied{Jwt_is_missing}");
    assertThat(h.counter("http.ingress.jwt_authn.denied")).isEqualTo(1);
  }

  @Test
  void anExpiredTokenIsRefusedOnlyOnceTheClockSkewHasPassed() throws Exception {
    StreamHarness h = start();
    FullHttpRequest withinSkew = get("/api");
    withinSkew
        .headers()
        .set(
            "authorization",
            "Bearer " + rsa.sign(claims("https://issuer.example", "payments", NOW - 60)));
    h.request(withinSkew);
    assertThat(h.downstream.status()).isEqualTo(200);
    harness.downstream.releaseAll();

    h = start();
    FullHttpRequest pastSkew = get("/api");
    pastSkew
        .headers()
        .set(
            "authorization",
            "Bearer " + rsa.sign(claims("https://issuer.example", "payments", NOW - 61)));
    h.request(pastSkew);
    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body()).isEqualTo("Jwt is expired");
    assertThat(reply().headers().get("www-authenticate"))
        .isEqualTo("Bearer realm=\"http://example.com/api\", error=\"invalid_token\"");
  }

  @Test
  void aTokenForAnotherAudienceIs403() throws Exception {
    StreamHarness h = start();
    FullHttpRequest request = get("/api");
    request
        .headers()
        .set(
            "authorization",
            "Bearer " + rsa.sign(claims("https://issuer.example", "orders", NOW + 60)));

    h.request(request);

    assertThat(h.downstream.status()).isEqualTo(403);
    assertThat(h.downstream.body()).isEqualTo("Audiences in Jwt are not allowed");
  }

  @Test
  void aTokenSignedWithAnotherKeyFailsVerification() throws Exception {
    StreamHarness h = start();
    FullHttpRequest request = get("/api");
    request
        .headers()
        .set(
            "authorization",
            "Bearer " + stranger.sign(claims("https://issuer.example", "payments", NOW + 60)));

    h.request(request);

    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body()).isEqualTo("Jwt verification fails");
  }

  @Test
  void aTokenFromAnotherIssuerIsUnknown() throws Exception {
    StreamHarness h = start();
    FullHttpRequest request = get("/api");
    request
        .headers()
        .set(
            "authorization",
            "Bearer " + rsa.sign(claims("https://other.example", "payments", NOW + 60)));

    h.request(request);

    assertThat(h.downstream.body()).isEqualTo("Jwt issuer is not configured");
  }

  @Test
  void aRuleWithoutRequirementsLetsEverythingThrough() throws Exception {
    StreamHarness h = start();

    h.request(get("/public/page"));

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.counter("http.ingress.jwt_authn.allowed")).isEqualTo(1);
  }

  @Test
  void allowMissingPassesWithoutATokenButNotWithABadOne() throws Exception {
    StreamHarness h = start();
    h.request(get("/optional"));
    assertThat(h.downstream.status()).isEqualTo(200);
    harness.downstream.releaseAll();

    h = start();
    FullHttpRequest bad = get("/optional");
    bad.headers().set("authorization", "Bearer not.a.token");
    h.request(bad);
    assertThat(h.downstream.status()).isEqualTo(401);
    assertThat(h.downstream.body())
        .isEqualTo("Jwt header is an invalid Base64url input or an invalid JSON");
  }

  @Test
  void aPerRouteRequirementNameAcceptsAnEs256TokenFromItsOwnHeaderAndForwardsIt() throws Exception {
    StreamHarness h = start();
    FullHttpRequest request = get("/named");
    String token =
        ec.sign(
            "{\"iss\":\"ec-issuer\",\"sub\":\"spiffe://mesh/ns/a/sa/b\",\"exp\":"
                + (NOW + 60)
                + "}");
    request.headers().set("x-service-identity", token);

    h.request(request);

    assertThat(h.counter("http.ingress.jwt_authn.allowed")).isEqualTo(1);
    assertThat(h.downstream.status()).isEqualTo(503);
    assertThat(request.headers().get("x-service-identity")).isEqualTo(token);
  }

  @Test
  void aPerRouteDisabledFilterChecksNothingAndTheRouterAnswers() throws Exception {
    StreamHarness h = start();

    h.request(get("/off"));

    assertThat(h.counter("http.ingress.jwt_authn.allowed")).isEqualTo(1);
    assertThat(h.downstream.status()).isEqualTo(503);
  }
}
