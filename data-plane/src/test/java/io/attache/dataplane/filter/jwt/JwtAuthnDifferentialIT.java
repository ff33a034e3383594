package io.attache.dataplane.filter.jwt;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One jwt_authn bootstrap run by Attaché and by a stock Envoy, with the same tokens against the
 * same JWKS server: each proxy must give every request the same status, body, challenge and
 * upstream headers, and count the same {@code jwt_authn} stats.
 */
@ExtendWith(StockEnvoyExtension.class)
class JwtAuthnDifferentialIT {

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
            ident:
              issuer: ident
              local_jwks: { inline_string: '%s' }
              from_headers: [{ name: x-service-identity }]
              forward: true
          rules:
          - match: { prefix: "/open" }
          - match: { prefix: "/either" }
            requires:
              requires_any:
                requirements: [{ provider_name: mesh }, { provider_name: ident }]
          - match: { prefix: "/optional" }
            requires:
              requires_any:
                requirements: [{ provider_name: mesh }, { allow_missing: {} }]
          - match: { prefix: "/" }
            requires: { provider_name: mesh }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  @TempDir Path dir;
  private Envoy envoy;
  private TestHttpServer upstream;
  private TestHttpServer jwksServer;
  private TestTokens mesh;
  private TestTokens ident;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    mesh = TestTokens.rsa("mesh-1");
    ident = TestTokens.ec("id-1");
    upstream = TestHttpServer.http1(TestHttpServer.echo("payments"));
    jwksServer = TestHttpServer.http1(r -> Reply.ok(mesh.jwks()));
    closeAfter.add(upstream);
    closeAfter.add(jwksServer);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  private String yaml() {
    return ProxyPair.withHttpFilters(
        bootstrap(
            "",
            ProxyHarness.routeAllTo("payments"),
            staticCluster("payments", "", upstream.port())
                + staticCluster("jwks", "", jwksServer.port())),
        FILTERS.formatted(ident.jwks()));
  }

  private String token(TestTokens key, String iss, String aud, long expOffset) throws Exception {
    long now = Instant.now().getEpochSecond();
    return key.sign(
        "{\"iss\":\"%s\",\"sub\":\"spiffe://mesh.local/ns/shop/sa/orders\",\"aud\":\"%s\",\"exp\":%d}"
            .formatted(iss, aud, now + expOffset));
  }

  @Test
  void attacheAndEnvoyGiveEveryTokenTheSameVerdictAndCountIt() throws Exception {
    TestTokens forger = TestTokens.rsa("mesh-1");
    String good = token(mesh, "spiffe://mesh.local", "payments", 600);
    String identity = token(ident, "ident", "any", 600);
    Map<String, Request> requests = new LinkedHashMap<>();
    requests.put("valid", Request.get("/charge", "authorization", "Bearer " + good));
    requests.put("missing", Request.get("/charge"));
    requests.put(
        "expired",
        Request.get(
            "/charge",
            "authorization",
            "Bearer " + token(mesh, "spiffe://mesh.local", "payments", -3600)));
    requests.put(
        "wrong audience",
        Request.get(
            "/charge",
            "authorization",
            "Bearer " + token(mesh, "spiffe://mesh.local", "orders", 600)));
    requests.put(
        "forged",
        Request.get(
            "/charge",
            "authorization",
            "Bearer " + token(forger, "spiffe://mesh.local", "payments", 600)));
    requests.put(
        "unknown issuer",
        Request.get(
            "/charge",
            "authorization",
            "Bearer " + token(mesh, "spiffe://other", "payments", 600)));
    requests.put("garbage", Request.get("/charge", "authorization", "Bearer abc.def"));
    requests.put("open", Request.get("/open"));
    requests.put("either by identity", Request.get("/either", "x-service-identity", identity));
    requests.put("either with none", Request.get("/either"));
    requests.put("optional without", Request.get("/optional"));
    requests.put(
        "optional with forged",
        Request.get(
            "/optional",
            "authorization",
            "Bearer " + token(forger, "spiffe://mesh.local", "payments", 600)));
    requests.put(
        "forged claim header",
        Request.get("/charge", "authorization", "Bearer " + good, "x-caller", "spiffe://forged"));

    ExchangeRecorder recorder =
        new ExchangeRecorder(
            upstream, Set.of("www-authenticate"), Set.of("x-caller", "x-service-identity"));
    try (ProxyPair pair = ProxyPair.start(envoy, "jwt", yaml(), dir)) {
      Map<String, Observed> fromAttache = recorder.send(pair.attache().port("ingress"), requests);
      Map<String, Observed> fromEnvoy = recorder.send(pair.envoy().port("ingress"), requests);

      assertThat(fromAttache).as("Attaché's verdicts vs %s", envoy.describe()).isEqualTo(fromEnvoy);
      assertThat(fromAttache.get("valid").status()).isEqualTo(200);
      assertThat(fromAttache.get("valid").upstreamHeaders())
          .containsEntry("x-caller", "spiffe://mesh.local/ns/shop/sa/orders");
      assertThat(fromAttache.get("missing").status()).isEqualTo(401);
      String p = "http.ingress.jwt_authn.";
      // Known difference (Envoy 1.40.0): Envoy looks every well-formed token up in its JWT cache
      // (JwtProvider.jwt_cache_config) before verifying it and counts jwt_cache_miss; Attaché has
      // no JWT cache and so no such counter. The verdicts above are the same; it stays until
      // Attaché caches verified tokens (docs/interop.md, "Known differences").
      SortedMap<String, Long> envoyStats = pair.envoy().statsThatMoved(p);
      assertThat(envoyStats.remove(p + "jwt_cache_miss"))
          .as("Envoy's jwt_cache_miss")
          .isEqualTo(9L);
      assertThat(pair.attache().stat(p + "jwt_cache_miss")).as("Attaché's jwt_cache_miss").isZero();
      assertThat(pair.attache().statsThatMoved(p))
          .as("jwt_authn stats")
          .isNotEmpty()
          .isEqualTo(envoyStats);
      for (String jwksStat : List.of("jwks_fetch_success", "jwks_fetch_failed")) {
        assertThat(pair.attache().stat(p + jwksStat))
            .as(jwksStat)
            .isEqualTo(pair.envoy().stat(p + jwksStat));
      }
    }
  }
}
