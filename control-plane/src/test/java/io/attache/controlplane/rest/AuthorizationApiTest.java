package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorizationApiTest {

  private static final String ORDERS_MAY_CHARGE =
      """
      {"target": "payments", "action": "ALLOW",
       "rules": [{"from": {"principals": ["spiffe://attache.local/ns/default/sa/orders"]},
                  "to": {"methods": ["POST"], "paths": ["/charge"]}}]}""";

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;
  private RestClient rest;

  @BeforeEach
  void start() throws Exception {
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDir,
                Duration.ofMillis(10),
                Duration.ofMillis(50)),
            scheduler,
            Clock.systemUTC());
    rest = new RestClient(controlPlane.httpPort());
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void createsReadsListsAndDeletesAnAuthorization() {
    HttpResponse<String> created =
        rest.put("/api/v1/authorizations/orders-may-charge", ORDERS_MAY_CHARGE);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");
    JsonNode read = json(rest.get("/api/v1/authorizations/orders-may-charge"));
    assertThat(read.get("name").asText()).isEqualTo("orders-may-charge");
    assertThat(read.get("action").asText()).isEqualTo("ALLOW");
    assertThat(read.at("/rules/0/from/principals/0").asText())
        .isEqualTo("spiffe://attache.local/ns/default/sa/orders");
    assertThat(read.at("/rules/0/to/paths/0").asText()).isEqualTo("/charge");
    assertThat(json(rest.get("/api/v1/authorizations")).get("items")).hasSize(1);

    assertThat(
            rest.delete("/api/v1/authorizations/orders-may-charge", "If-Match", "\"1\"")
                .statusCode())
        .isEqualTo(204);
    assertThat(rest.get("/api/v1/authorizations/orders-may-charge").statusCode()).isEqualTo(404);
    assertThat(json(rest.get("/api/v1/revisions")).get("items").get(0).get("summary").asText())
        .isEqualTo("delete authorization 'orders-may-charge'");
  }

  @Test
  void refusesAStaleEtagWith412() {
    rest.put("/api/v1/authorizations/orders-may-charge", ORDERS_MAY_CHARGE);
    rest.put("/api/v1/authorizations/orders-may-charge", ORDERS_MAY_CHARGE.replace("POST", "PUT"));

    HttpResponse<String> stale =
        rest.put(
            "/api/v1/authorizations/orders-may-charge",
            ORDERS_MAY_CHARGE.replace("POST", "GET"),
            "If-Match",
            "\"1\"");

    assertThat(stale.statusCode()).isEqualTo(412);
  }

  @Test
  void rollsAnAuthorizationBackWithTheRestOfThePolicy() {
    rest.put("/api/v1/authorizations/orders-may-charge", ORDERS_MAY_CHARGE);
    rest.put(
        "/api/v1/authorizations/orders-may-charge",
        ORDERS_MAY_CHARGE.replace("\"ALLOW\"", "\"DENY\""));

    assertThat(rest.post("/api/v1/revisions/1/rollback").statusCode()).isEqualTo(201);

    assertThat(json(rest.get("/api/v1/authorizations/orders-may-charge")).get("action").asText())
        .isEqualTo("ALLOW");
  }

  @Test
  void refusesInvalidAuthorizationsNamingTheFieldAndStoresNothing() {
    assertRejected("{\"action\": \"ALLOW\"}", "target");
    assertRejected(ORDERS_MAY_CHARGE.replace("\"payments\"", "\"Payments!\""), "target");
    assertRejected(
        ORDERS_MAY_CHARGE.replace("spiffe://attache.local/ns/default/sa/orders", "spiffe://*/x"),
        "rules[0].from.principals[0]");
    assertRejected(
        ORDERS_MAY_CHARGE.replace("spiffe://attache.local/ns/default/sa/orders", ""),
        "rules[0].from.principals[0]");
    assertRejected(
        ORDERS_MAY_CHARGE
            .replace("\"principals\"", "\"namespaces\"")
            .replace("spiffe://attache.local/ns/default/sa/orders", "Default"),
        "rules[0].from.namespaces[0]");
    assertRejected(ORDERS_MAY_CHARGE.replace("\"POST\"", "\"post\""), "rules[0].to.methods[0]");
    assertRejected(ORDERS_MAY_CHARGE.replace("/charge", "charge"), "rules[0].to.paths[0]");
    assertRejected(
        ORDERS_MAY_CHARGE.replace(
            "\"paths\": [\"/charge\"]",
            "\"headers\": [{\"name\": \"x tenant\", \"exact\": \"a\"}]"),
        "rules[0].to.headers[0].name");
    assertRejected(ORDERS_MAY_CHARGE.replace("\"ALLOW\"", "\"AUDIT\""), "action");
    assertRejected(ORDERS_MAY_CHARGE.replace("\"to\"", "\"when\""), "when");

    assertThat(json(rest.get("/api/v1/authorizations")).get("items")).isEmpty();
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void refusesABodyWhoseNameDiffersFromThePath() {
    HttpResponse<String> response =
        rest.put(
            "/api/v1/authorizations/orders-may-charge",
            ORDERS_MAY_CHARGE.replace("{\"target\"", "{\"name\": \"other\", \"target\""));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("name");
  }

  private void assertRejected(String body, String field) {
    HttpResponse<String> response = rest.put("/api/v1/authorizations/policy", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).as(response.body()).contains(field);
  }
}
