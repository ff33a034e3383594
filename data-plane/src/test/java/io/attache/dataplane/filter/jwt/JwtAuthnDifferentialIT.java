package io.attache.dataplane.filter.jwt;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
  private static final Duration WAIT = Duration.ofSeconds(30);

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
    return bootstrap(
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
            FILTERS.formatted(ident.jwks()).indent(10));
  }

  /** What one request got: status, body, challenge, and what the upstream saw of the caller. */
  record Verdict(int status, String body, String challenge, String caller, String identity) {}

  private Map<String, Verdict> run(String name, int port, Map<String, String[]> requests)
      throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    Map<String, Verdict> out = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> e : requests.entrySet()) {
      String[] r = e.getValue();
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r[0]))
              .timeout(Duration.ofSeconds(20));
      for (int i = 1; i < r.length; i += 2) {
        b.header(r[i], r[i + 1]);
      }
      int before = upstream.received().size();
      HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      String caller = null;
      String identity = null;
      if (upstream.received().size() > before) {
        var seen = upstream.received().get(upstream.received().size() - 1);
        caller = seen.headers().get("x-caller");
        identity = seen.headers().get("x-service-identity");
      }
      out.put(
          e.getKey(),
          new Verdict(
              response.statusCode(),
              response.statusCode() == 200 ? "" : response.body(),
              response
                  .headers()
                  .firstValue("www-authenticate")
                  .map(v -> v.replace(":" + port + "/", ":PORT/"))
                  .orElse(null),
              caller,
              identity));
    }
    return out;
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
    Map<String, String[]> requests = new LinkedHashMap<>();
    requests.put("valid", new String[] {"/charge", "authorization", "Bearer " + good});
    requests.put("missing", new String[] {"/charge"});
    requests.put(
        "expired",
        new String[] {
          "/charge",
          "authorization",
          "Bearer " + token(mesh, "spiffe://mesh.local", "payments", -3600)
        });
    requests.put(
        "wrong audience",
        new String[] {
          "/charge", "authorization", "Bearer " + token(mesh, "spiffe://mesh.local", "orders", 600)
        });
    requests.put(
        "forged",
        new String[] {
          "/charge",
          "authorization",
          "Bearer " + token(forger, "spiffe://mesh.local", "payments", 600)
        });
    requests.put(
        "unknown issuer",
        new String[] {
          "/charge", "authorization", "Bearer " + token(mesh, "spiffe://other", "payments", 600)
        });
    requests.put("garbage", new String[] {"/charge", "authorization", "Bearer abc.def"});
    requests.put("open", new String[] {"/open"});
    requests.put("either by identity", new String[] {"/either", "x-service-identity", identity});
    requests.put("either with none", new String[] {"/either"});
    requests.put("optional without", new String[] {"/optional"});
    requests.put(
        "optional with forged",
        new String[] {
          "/optional",
          "authorization",
          "Bearer " + token(forger, "spiffe://mesh.local", "payments", 600)
        });
    requests.put(
        "forged claim header",
        new String[] {"/charge", "authorization", "Bearer " + good, "x-caller", "spiffe://forged"});

    String yaml = yaml();
    ProxyHarness attache = ProxyHarness.start(yaml);
    closeAfter.add(attache::close);
    Map<String, Verdict> fromAttache = run("Attaché", attache.port(), requests);
    long[] attacheStats = stats(attache::stat);

    RunningEnvoy running = envoy.start("jwt", yaml, dir.resolve("envoy"));
    closeAfter.add(running);
    Map<String, Verdict> fromEnvoy = run(envoy.describe(), listenerPort(running), requests);
    long[] envoyStats = stats(running::stat);

    assertThat(fromAttache).as("Attaché's verdicts vs %s", envoy.describe()).isEqualTo(fromEnvoy);
    assertThat(fromAttache.get("valid").status()).isEqualTo(200);
    assertThat(fromAttache.get("valid").caller())
        .isEqualTo("spiffe://mesh.local/ns/shop/sa/orders");
    assertThat(fromAttache.get("missing").status()).isEqualTo(401);
    assertThat(attacheStats)
        .as("allowed, denied, jwks_fetch_success, jwks_fetch_failed")
        .isEqualTo(envoyStats);
  }

  interface StatSource {
    long stat(String name) throws Exception;
  }

  private static long[] stats(StatSource source) throws Exception {
    String p = "http.ingress.jwt_authn.";
    return new long[] {
      source.stat(p + "allowed"),
      source.stat(p + "denied"),
      source.stat(p + "jwks_fetch_success"),
      source.stat(p + "jwks_fetch_failed")
    };
  }

  private static int listenerPort(RunningEnvoy running) {
    Pattern p =
        Pattern.compile("\"name\":\\s*\"ingress\".*?\"port_value\":\\s*(\\d+)", Pattern.DOTALL);
    int[] port = {0};
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Matcher m = p.matcher(running.admin("/listeners?format=json"));
              if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
              }
              return port[0] > 0;
            });
    return port[0];
  }
}
