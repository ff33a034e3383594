package io.attache.dataplane.filter.svid;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A signed caller identity end to end on real sockets: the caller's proxy mints a JWT-SVID for the
 * route's audience, the callee's proxy verifies it with jwt_authn against the trust domain's JWKS
 * (served by a real HTTP server behind a cluster), strips it and hands the verified SPIFFE ID to
 * the app; forged, expired and wrongly addressed tokens never reach the app and are counted.
 */
class ServiceIdentityTokenIT {
  private SvidKeys keys;
  private TestHttpServer app;
  private TestHttpServer jwksServer;
  private ProxyHarness callee;
  private ProxyHarness caller;

  @BeforeEach
  void start() throws Exception {
    keys = SvidKeys.p256("mesh-1");
    app = TestHttpServer.http1(TestHttpServer.echo("payments"));
    jwksServer = TestHttpServer.http1(r -> Reply.ok(keys.jwks()));
    callee = ProxyHarness.start(SvidBootstraps.callee(app.port(), jwksServer.port()));
    caller = ProxyHarness.start(SvidBootstraps.caller(keys, callee.port()));
  }

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {caller, callee, jwksServer, app}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private HttpResponse<String> callThroughCaller(String forgedHeader) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(caller.uri("/charge"));
    if (forgedHeader != null) {
      request.header("x-service-identity", forgedHeader);
    }
    return caller.send(request);
  }

  private HttpResponse<String> callCalleeDirectly(String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(callee.uri("/charge"));
    if (token != null) {
      request.header("x-service-identity", token);
    }
    return callee.send(request);
  }

  @Test
  void theAppSeesTheCallersVerifiedIdentityAndNeverTheToken() throws Exception {
    HttpResponse<String> first = callThroughCaller(null);
    HttpResponse<String> second = callThroughCaller(null);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(app.received()).hasSize(2);
    TestHttpServer.Received seen = app.received().get(0);
    assertThat(seen.headers().get("x-caller-identity")).isEqualTo(SvidKeys.ORDERS);
    assertThat(seen.headers().contains("x-service-identity")).isFalse();
    assertThat(caller.stat("http.ingress.service_identity_token.minted")).isEqualTo(1);
    assertThat(caller.stat("http.ingress.service_identity_token.attached")).isEqualTo(2);
    assertThat(callee.stat("http.ingress.jwt_authn.allowed")).isEqualTo(2);
    assertThat(jwksServer.received()).hasSize(1);
  }

  @Test
  void aBearerTokenInAuthorizationIsFoundWhereJwtAuthnLooksByDefault() throws Exception {
    try (ProxyHarness bearerCallee =
            ProxyHarness.start(SvidBootstraps.callee(app.port(), jwksServer.port(), ""));
        ProxyHarness bearerCaller =
            ProxyHarness.start(SvidBootstraps.caller(keys, bearerCallee.port(), "Authorization"))) {
      HttpResponse<String> response =
          bearerCaller.send(
              HttpRequest.newBuilder(bearerCaller.uri("/charge"))
                  .header("authorization", "Bearer the-apps-own"));

      assertThat(response.statusCode()).isEqualTo(200);
      TestHttpServer.Received seen = app.received().get(0);
      assertThat(seen.headers().get("x-caller-identity")).isEqualTo(SvidKeys.ORDERS);
      assertThat(seen.headers().contains("authorization")).isFalse();
      assertThat(bearerCallee.stat("http.ingress.jwt_authn.allowed")).isEqualTo(1);
    }
  }

  @Test
  void theCallersAppCannotSpeakForItselfTheProxyReplacesItsToken() throws Exception {
    SvidKeys forger = SvidKeys.p256("mesh-1");
    String forged =
        new JwtSvidMinter(
                ServiceIdentityTokenConfig.from(
                    com.google.protobuf.Any.pack(
                        forger.config().setSubject("spiffe://mesh.local/ns/shop/sa/admin").build()),
                    "typed_config"),
                Clock.systemUTC(),
                new StatsStore().counter("minted"))
            .token("payments", forger.signingKey());

    HttpResponse<String> response = callThroughCaller(forged);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(app.received().get(0).headers().get("x-caller-identity")).isEqualTo(SvidKeys.ORDERS);
  }

  @Test
  void forgedExpiredAndWronglyAddressedTokensAreRefusedAndCounted() throws Exception {
    SvidKeys forger = SvidKeys.p256("mesh-1");
    String forged =
        new JwtSvidMinter(forger.parsed(), Clock.systemUTC(), new StatsStore().counter("m"))
            .token("payments", forger.signingKey());
    // Issued by the real key two hours ago with five minutes to live: past exp and the 60 s skew.
    String expired =
        new JwtSvidMinter(
                keys.parsed(),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)),
                new StatsStore().counter("m"))
            .token("payments", keys.signingKey());
    String forLedger =
        new JwtSvidMinter(keys.parsed(), Clock.systemUTC(), new StatsStore().counter("m"))
            .token("ledger", keys.signingKey());

    HttpResponse<String> missing = callCalleeDirectly(null);
    HttpResponse<String> badSignature = callCalleeDirectly(forged);
    HttpResponse<String> late = callCalleeDirectly(expired);
    HttpResponse<String> wrongAudience = callCalleeDirectly(forLedger);

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.body()).isEqualTo("Jwt is missing");
    assertThat(badSignature.statusCode()).isEqualTo(401);
    assertThat(badSignature.body()).isEqualTo("Jwt verification fails");
    assertThat(late.statusCode()).isEqualTo(401);
    assertThat(late.body()).isEqualTo("Jwt is expired");
    // Envoy answers an audience mismatch with 403 (JwtAudienceNotAllowed), not 401.
    assertThat(wrongAudience.statusCode()).isEqualTo(403);
    assertThat(wrongAudience.body()).isEqualTo("Audiences in Jwt are not allowed");
    assertThat(app.received()).isEmpty();
    assertThat(callee.stat("http.ingress.jwt_authn.denied")).isEqualTo(4);
  }
}
