package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.interop.InteropControlPlane;
import io.attache.controlplane.testing.RestClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service's end-user JWT rules and the authorization conditions on their tokens, through the REST
 * API: what is accepted reads back as written, and every invalid write is a 400 naming the field
 * that stores nothing.
 */
class RequestAuthenticationApiTest {

  private static final String JWKS =
      "{\\\"keys\\\": [{\\\"kty\\\": \\\"EC\\\", \\\"crv\\\": \\\"P-256\\\","
          + " \\\"x\\\": \\\"AQ\\\", \\\"y\\\": \\\"AQ\\\"}]}";

  private static final String PAYMENTS =
      """
      {"port": 8080, "endpoints": [{"address": "127.0.0.1", "port": 9001}],
       "request_authentication": {"jwt_rules": [
         {"issuer": "https://issuer.example", "audiences": ["payments"], "jwks": "%s",
          "output_claim_to_headers": [{"header": "x-user", "claim": "sub"}]},
         {"issuer": "partner", "jwks_uri": "https://keys.partner.example/jwks.json",
          "from_headers": [{"name": "x-partner-token", "prefix": "Token "}]}]}}"""
          .formatted(JWKS);

  private static final String USERS_ONLY =
      """
      {"target": "payments",
       "rules": [{"from": {"request_principals": ["https://issuer.example/alice"],
                           "request_claims": [{"claim": ["groups"], "values": ["admin"]}]}}]}""";

  @TempDir Path dataDir;

  private InteropControlPlane controlPlane;
  private RestClient rest;

  @BeforeEach
  void start() throws Exception {
    controlPlane = InteropControlPlane.start(dataDir);
    rest = new RestClient(controlPlane.httpPort());
  }

  @AfterEach
  void stop() {
    controlPlane.close();
  }

  @Test
  void storesJwtRulesAndTokenConditionsAsWritten() {
    assertThat(rest.put("/api/v1/services/payments", PAYMENTS).statusCode()).isEqualTo(201);
    assertThat(rest.put("/api/v1/authorizations/users-only", USERS_ONLY).statusCode())
        .isEqualTo(201);

    assertThat(
            json(rest.get("/api/v1/services/payments"))
                .at("/request_authentication/jwt_rules/1/jwks_uri")
                .asText())
        .isEqualTo("https://keys.partner.example/jwks.json");
    assertThat(
            json(rest.get("/api/v1/authorizations/users-only"))
                .at("/rules/0/from/request_claims/0/values/0")
                .asText())
        .isEqualTo("admin");
  }

  @Test
  void refusesInvalidJwtRulesNamingTheFieldAndStoresNothing() {
    String rule0 = "request_authentication.jwt_rules[0]";
    assertRejected(PAYMENTS.replace("https://issuer.example", ""), rule0 + ".issuer");
    assertRejected(PAYMENTS.replace("https://issuer.example", "my issuer"), rule0 + ".issuer");
    assertRejected(
        PAYMENTS.replace("\"partner\"", "\"https://issuer.example\""), "jwt_rules[1].issuer");
    assertRejected(PAYMENTS.replace(JWKS, "{\\\"keys\\\": ["), rule0 + ".jwks");
    assertRejected(PAYMENTS.replace(JWKS, "{\\\"keys\\\": []}"), rule0 + ".jwks");
    assertRejected(
        PAYMENTS.replace(JWKS, "{\\\"keys\\\": [{\\\"kid\\\": \\\"1\\\"}]}"), rule0 + ".jwks");
    assertRejected(
        PAYMENTS.replace("\"jwks\": \"" + JWKS + "\"", "\"forward_original_token\": true"),
        rule0 + ".jwks");
    assertRejected(
        PAYMENTS.replace("\"jwks\": \"", "\"jwks_uri\": \"https://k.example/j\", \"jwks\": \""),
        rule0 + ".jwks");
    String rule1 = "request_authentication.jwt_rules[1]";
    assertRejected(
        PAYMENTS.replace("https://keys.partner.example/jwks.json", "file:///etc/jwks.json"),
        rule1 + ".jwks_uri");
    assertRejected(
        PAYMENTS.replace("https://keys.partner.example/jwks.json", "https:///jwks.json"),
        rule1 + ".jwks_uri");
    assertRejected(
        PAYMENTS.replace("x-partner-token", "x partner"), rule1 + ".from_headers[0].name");
    assertRejected(
        PAYMENTS.replace("\"x-user\"", "\"x:user\""), rule0 + ".output_claim_to_headers[0].header");
    assertRejected(
        "{\"port\": 8080, \"request_authentication\": {}}", "request_authentication.jwt_rules");

    assertThat(json(rest.get("/api/v1/services")).get("items")).isEmpty();
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void refusesInvalidTokenConditionsNamingTheFieldAndStoresNothing() {
    assertRejectedAuthorization(
        USERS_ONLY.replace("https://issuer.example/alice", "alice"),
        "rules[0].from.request_principals[0]");
    assertRejectedAuthorization(
        USERS_ONLY.replace("https://issuer.example/alice", "https://*/alice"),
        "rules[0].from.request_principals[0]");
    assertRejectedAuthorization(
        USERS_ONLY.replace("[\"groups\"]", "[]"), "rules[0].from.request_claims[0].claim");
    assertRejectedAuthorization(
        USERS_ONLY.replace("[\"admin\"]", "[]"), "rules[0].from.request_claims[0].values");

    assertThat(json(rest.get("/api/v1/authorizations")).get("items")).isEmpty();
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  private void assertRejected(String body, String field) {
    HttpResponse<String> response = rest.put("/api/v1/services/payments", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).as(response.body()).contains(field);
  }

  private void assertRejectedAuthorization(String body, String field) {
    HttpResponse<String> response = rest.put("/api/v1/authorizations/users-only", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).as(response.body()).contains(field);
  }
}
