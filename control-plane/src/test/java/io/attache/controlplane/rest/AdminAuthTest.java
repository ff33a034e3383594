package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAuthTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String READER = "reader-token-0123456789abcdef";
  private static final String ORDERS =
      "{\"name\":\"orders\",\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}";

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;
  private RestClient anonymous;
  private RestClient admin;
  private RestClient reader;

  @BeforeEach
  void start() throws Exception {
    AdminTokens tokens =
        AdminTokens.parse(List.of(ADMIN + " admin", READER + " read-only"), "test tokens");
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                    "127.0.0.1",
                    0,
                    "127.0.0.1",
                    0,
                    dataDir,
                    Duration.ofMillis(10),
                    Duration.ofMillis(50))
                .withAdminSecurity(new AdminSecurity(tokens, AdminTls.PLAINTEXT)),
            scheduler,
            Clock.systemUTC());
    anonymous = new RestClient(controlPlane.httpPort());
    admin = anonymous.withToken(ADMIN);
    reader = anonymous.withToken(READER);
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void refusesACallWithoutATokenWith401AndABearerChallenge() {
    HttpResponse<String> response = anonymous.get("/api/v1/services");

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"attache\"");
    assertThat(json(response).get("error").asText()).isEqualTo("unauthenticated");
    assertThat(json(response).get("field").asText()).isEqualTo("Authorization");
  }

  @Test
  void storesNothingForAWriteWithoutAToken() {
    HttpResponse<String> response = anonymous.put("/api/v1/services/orders", ORDERS);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(admin.get("/api/v1/services/orders").statusCode()).isEqualTo(404);
    assertThat(json(admin.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void storesNothingForAWriteWithAnUnknownToken() {
    RestClient stranger = anonymous.withToken("stranger-token-0123456789abcdef");

    assertThat(stranger.put("/api/v1/services/orders", ORDERS).statusCode()).isEqualTo(401);
    assertThat(stranger.post("/api/v1/revisions/1/rollback").statusCode()).isEqualTo(401);
    assertThat(anonymous.withAuthorization("Basic " + ADMIN).get("/api/v1/services").statusCode())
        .isEqualTo(401);
    assertThat(json(admin.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void letsAReadOnlyTokenReadButRefusesItsWritesWith403() {
    admin.put("/api/v1/services/orders", ORDERS);

    assertThat(reader.get("/api/v1/services/orders").statusCode()).isEqualTo(200);
    HttpResponse<String> put =
        reader.put("/api/v1/services/orders", ORDERS.replace("9001", "9002"));
    assertThat(put.statusCode()).isEqualTo(403);
    assertThat(json(put).get("error").asText()).isEqualTo("permission_denied");
    assertThat(reader.delete("/api/v1/services/orders").statusCode()).isEqualTo(403);
    assertThat(reader.post("/api/v1/revisions/1/rollback").statusCode()).isEqualTo(403);

    assertThat(
            json(admin.get("/api/v1/services/orders")).get("endpoints").get(0).get("port").asInt())
        .isEqualTo(9001);
    assertThat(json(admin.get("/api/v1/revisions")).get("items")).hasSize(1);
  }

  @Test
  void letsAnAdminTokenWrite() {
    HttpResponse<String> created = admin.put("/api/v1/services/orders", ORDERS);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(admin.delete("/api/v1/services/orders").statusCode()).isEqualTo(204);
  }

  @Test
  void keepsProbesAndTheApiDescriptionOpenButNotMetrics() {
    assertThat(anonymous.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/readyz").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/api/v1/openapi.json").statusCode()).isEqualTo(200);
    assertThat(anonymous.get("/metrics").statusCode()).isEqualTo(401);

    anonymous.get("/api/v1/services");
    reader.put("/api/v1/services/orders", ORDERS);
    assertThat(reader.get("/metrics").body())
        .contains(
            "attache_cp_rest_unauthenticated_total 2",
            "attache_cp_rest_forbidden_total 1",
            "attache_cp_rest_writes_accepted_total 0");
    // REST latency is labelled by route pattern and status, never by the raw path; a request the
    // access check refused never reached a route.
    assertThat(reader.get("/api/v1/services/orders").statusCode()).isEqualTo(404);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(reader.get("/metrics").body())
                    .contains(
                        "attache_cp_rest_requests_seconds_count{method=\"GET\","
                            + "route=\"/api/v1/services/{name}\",status=\"404\"} 1\n",
                        "attache_cp_rest_requests_seconds_count{method=\"PUT\","
                            + "route=\"unmatched\",status=\"403\"} 1\n")
                    .doesNotContain("route=\"/api/v1/services/orders\""));
  }

  @Test
  void servesTheTrustDomainsJwksWithoutATokenAndOnlyPublicKeys() {
    io.attache.controlplane.ca.SvidSigningKey orders =
        controlPlane
            .signingKeys()
            .currentFor(
                new io.attache.controlplane.identity.SpiffeId("attache.local", "shop", "orders"));

    var response = anonymous.get("/.well-known/jwks.json");

    assertThat(response.statusCode()).isEqualTo(200);
    var jwks = json(response);
    assertThat(jwks.at("/keys/0/kid").asText()).isEqualTo(orders.kid());
    assertThat(jwks.at("/keys")).hasSize(2);
    assertThat(jwks.at("/keys/0/d").isMissingNode()).isTrue();
    assertThat(
            json(anonymous.get("/api/v1/openapi.json"))
                .at("/paths/~1.well-known~1jwks.json/get/security"))
        .isEmpty();
  }

  @Test
  void describesTheBearerSchemeInTheOpenApiDocument() {
    var openApi = json(anonymous.get("/api/v1/openapi.json"));

    assertThat(openApi.at("/components/securitySchemes/bearer/scheme").asText())
        .isEqualTo("bearer");
    assertThat(openApi.at("/paths/~1healthz/get/security")).isEmpty();
    assertThat(openApi.at("/paths/~1api~1v1~1services~1{name}/put/responses/403").isObject())
        .isTrue();
  }

  @Test
  void answersUnknownPathsWith401SoTheyCannotBeProbed() {
    assertThat(anonymous.get("/api/v1/secrets").statusCode()).isEqualTo(401);
    assertThat(admin.get("/api/v1/secrets").statusCode()).isEqualTo(404);
  }
}
