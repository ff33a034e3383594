package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.controlplane.interop.HttpProbe.Reply;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-user JWT through a sidecar's inbound listener, the same for an Attaché proxy and stock Envoy:
 * a service with request_authentication and an authorization on request principals and claims,
 * written through REST, and what callers with valid, forged, foreign, expired or no tokens get. The
 * app it fronts answers with the claim header and whether the token reached it. Tokens expire an
 * hour from now or expired an hour ago, far outside the 60 s clock skew, so no outcome depends on
 * timing.
 */
final class EndUserJwtScenario implements AutoCloseable {

  static final String ISSUER = "https://issuer.test";

  /**
   * Requests {@link #run} answers 401 once the filter is in place (the forged token that shows it
   * is, a foreign issuer, an expired token, a wrong audience, a malformed one, the forged one
   * last): jwt_authn's {@code denied} counter.
   */
  static final long REFUSED_TOKENS = 6;

  private final JwtIssuer issuer;
  private final HttpServer app;
  private final AtomicInteger appRequests = new AtomicInteger();

  private EndUserJwtScenario() throws Exception {
    issuer = JwtIssuer.start(ISSUER);
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    app.createContext(
        "/",
        exchange -> {
          appRequests.incrementAndGet();
          exchange.getRequestBody().readAllBytes();
          String group = exchange.getRequestHeaders().getFirst("x-user-group");
          boolean token = exchange.getRequestHeaders().containsKey("authorization");
          byte[] body =
              ("group=" + group + " token=" + (token ? "forwarded" : "removed"))
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
  }

  static EndUserJwtScenario start() throws Exception {
    return new EndUserJwtScenario();
  }

  int appPort() {
    return app.getAddress().getPort();
  }

  /** The payments service: its app as endpoint, tokens of the test issuer fetched over HTTP. */
  String service() {
    return """
        {"port": 8080, "endpoints": [{"address": "127.0.0.1", "port": %d}],
         "request_authentication": {"jwt_rules": [{"issuer": "%s", "audiences": ["payments"],
           "jwks_uri": "%s",
           "output_claim_to_headers": [{"header": "x-user-group", "claim": "group"}]}]}}"""
        .formatted(appPort(), ISSUER, issuer.jwksUri());
  }

  /** Alice by name, or anyone whose groups claim (a list) holds "ops". */
  static String authorization() {
    return """
        {"target": "payments", "action": "ALLOW", "rules": [
          {"from": {"request_principals": ["%s/alice"]}},
          {"from": {"request_claims": [{"claim": ["groups"], "values": ["ops"]}]}}]}"""
        .formatted(ISSUER);
  }

  /**
   * Runs the scenario against a sidecar whose inbound listener is {@code inboundPort} and whose
   * service is already written to {@code controlPlane}.
   */
  void run(int inboundPort, InteropControlPlane controlPlane) throws Exception {
    Instant later = Instant.now().plusSeconds(3600);
    Instant earlier = Instant.now().minusSeconds(3600);
    String alice = issuer.token("alice", "payments", later, "\"group\":\"admins\"");
    String bob = issuer.token("bob", "payments", later, "\"groups\":[\"dev\",\"ops\"]");
    String carol = issuer.token("carol", "payments", later, "\"groups\":\"ops-adjacent\"");

    // The jwt_authn filter is in place once a forged token is refused.
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(inboundPort, issuer.forged("alice", "payments", later)).status() == 401);

    Reply valid = get(inboundPort, alice);
    assertThat(valid).isEqualTo(new Reply(200, "group=admins token=removed"));
    assertThat(issuer.jwksFetches()).as("the JWKS is fetched through its cluster").isPositive();
    assertThat(get(inboundPort, issuer.tokenAs("https://other.test", "alice", "payments", later)))
        .extracting(Reply::status)
        .isEqualTo(401);
    assertThat(get(inboundPort, issuer.token("alice", "payments", earlier, "")))
        .extracting(Reply::status)
        .isEqualTo(401);
    assertThat(get(inboundPort, issuer.token("alice", "billing", later, "")))
        .as("an audience the rule does not accept: Envoy's JwtAudienceNotAllowed")
        .extracting(Reply::status)
        .isEqualTo(403);
    int before = appRequests.get();
    assertThat(get(inboundPort, "not.a.jwt")).extracting(Reply::status).isEqualTo(401);
    assertThat(appRequests.get()).as("a refused token never reaches the app").isEqualTo(before);
    assertThat(HttpProbe.send(inboundPort, "GET", "payments", "/balance", "x-user-group", "admins"))
        .as("authentication alone requires no token, and a claim header without one is removed")
        .isEqualTo(new Reply(200, "group=null token=removed"));

    controlPlane.put("/api/v1/authorizations/users-only", authorization());
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(inboundPort, null).status() == 403);
    assertThat(get(inboundPort, alice).status()).as("alice by request principal").isEqualTo(200);
    assertThat(get(inboundPort, bob).status()).as("bob by the groups claim list").isEqualTo(200);
    assertThat(get(inboundPort, carol).status()).as("carol has neither").isEqualTo(403);
    assertThat(get(inboundPort, issuer.forged("alice", "payments", later)).status())
        .as("a forged alice is still refused by authentication first")
        .isEqualTo(401);
  }

  private static Reply get(int port, String token) {
    return token == null
        ? HttpProbe.send(port, "GET", "payments", "/balance")
        : HttpProbe.send(port, "GET", "payments", "/balance", "Authorization", "Bearer " + token);
  }

  @Override
  public void close() {
    app.stop(0);
    issuer.close();
  }
}
