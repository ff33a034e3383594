package io.attache.dataplane.filter.svid;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens minted by an Attaché caller, verified by a stock Envoy callee: the same callee bootstrap
 * runs on Attaché and on Envoy, the caller's JWT-SVID must get the app the same verified identity
 * through both, and forged, expired and wrongly addressed tokens the same verdicts and counts.
 * Envoy must refuse the minting filter itself: it is Attaché's own type.
 */
@ExtendWith(StockEnvoyExtension.class)
class ServiceIdentityTokenDifferentialIT {

  @TempDir Path dir;
  private Envoy envoy;
  private SvidKeys keys;
  private TestHttpServer app;
  private TestHttpServer jwksServer;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    keys = SvidKeys.p256("mesh-1");
    app = TestHttpServer.http1(TestHttpServer.echo("payments"));
    jwksServer = TestHttpServer.http1(r -> Reply.ok(keys.jwks()));
    closeAfter.add(app);
    closeAfter.add(jwksServer);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  /** What one call got: status, body (for a refusal), and the identity the app was handed. */
  record Verdict(int status, String body, String callerIdentity, boolean tokenReachedApp) {}

  @Test
  void aStockEnvoyCalleeVerifiesTheAttacheCallersTokensAsAttacheDoes() throws Exception {
    SvidKeys forger = SvidKeys.p256("mesh-1");
    Map<String, String> direct = new LinkedHashMap<>();
    direct.put("forged", mint(forger, Clock.systemUTC(), "payments"));
    direct.put(
        "expired", mint(keys, Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)), "payments"));
    direct.put("wrong audience", mint(keys, Clock.systemUTC(), "ledger"));
    direct.put("missing", null);

    ProxyHarness attacheCallee =
        ProxyHarness.start(SvidBootstraps.callee(app.port(), jwksServer.port()));
    closeAfter.add(attacheCallee);
    Map<String, Verdict> fromAttache = calls(attacheCallee.port(), direct);
    long[] attacheStats = stats(attacheCallee::stat);

    RunningEnvoy envoyCallee =
        envoy.start(
            "svid-callee",
            SvidBootstraps.callee(app.port(), jwksServer.port()),
            dir.resolve("envoy"));
    closeAfter.add(envoyCallee);
    Map<String, Verdict> fromEnvoy = calls(ProxyPair.listenerPort(envoyCallee, "ingress"), direct);
    long[] envoyStats = stats(envoyCallee::stat);

    assertThat(fromAttache).as("Attaché callee vs %s", envoy.describe()).isEqualTo(fromEnvoy);
    assertThat(fromEnvoy.get("through the Attaché caller"))
        .isEqualTo(new Verdict(200, "", SvidKeys.ORDERS, false));
    assertThat(fromEnvoy.get("forged").status()).isEqualTo(401);
    assertThat(fromEnvoy.get("expired").body()).isEqualTo("Jwt is expired");
    assertThat(fromEnvoy.get("wrong audience").status()).isEqualTo(403);
    assertThat(attacheStats).as("allowed, denied").isEqualTo(envoyStats).containsExactly(1, 4);
  }

  @Test
  void aStockEnvoyRefusesTheMintingFilterAsAnUnknownType() throws Exception {
    Envoy.Validation validation =
        envoy.validate("svid-caller", SvidBootstraps.caller(keys, 1), dir.resolve("validate"));

    assertThat(validation.valid()).as(validation.output()).isFalse();
    assertThat(validation.output()).contains("attache.ext.v1.ServiceIdentityToken");
  }

  /**
   * Each direct token sent to the callee, then one call through an Attaché caller in front of it.
   */
  private Map<String, Verdict> calls(int calleePort, Map<String, String> direct) throws Exception {
    Map<String, Verdict> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : direct.entrySet()) {
      out.put(e.getKey(), call(calleePort, e.getValue()));
    }
    try (ProxyHarness caller = ProxyHarness.start(SvidBootstraps.caller(keys, calleePort))) {
      out.put("through the Attaché caller", call(caller.port(), null));
    }
    return out;
  }

  private Verdict call(int port, String token) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/charge"))
            .timeout(Duration.ofSeconds(20));
    if (token != null) {
      request.header("x-service-identity", token);
    }
    int before = app.received().size();
    HttpResponse<String> response =
        client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    String identity = null;
    boolean tokenReachedApp = false;
    if (app.received().size() > before) {
      TestHttpServer.Received seen = app.received().get(app.received().size() - 1);
      identity = seen.headers().get("x-caller-identity");
      tokenReachedApp = seen.headers().contains("x-service-identity");
    }
    return new Verdict(
        response.statusCode(),
        response.statusCode() == 200 ? "" : response.body(),
        identity,
        tokenReachedApp);
  }

  private static String mint(SvidKeys key, Clock clock, String audience) throws Exception {
    return new JwtSvidMinter(key.parsed(), clock, new StatsStore().counter("minted"))
        .token(audience, key.signingKey());
  }

  interface StatSource {
    long stat(String name) throws Exception;
  }

  private static long[] stats(StatSource source) throws Exception {
    String p = "http.ingress.jwt_authn.";
    return new long[] {source.stat(p + "allowed"), source.stat(p + "denied")};
  }
}
