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

/** Declarative documents over REST: apply, dry run, prune, export, PATCH and readable revisions. */
class DeclarativeApiTest {

  private static final String YAML = "application/yaml";

  /** The route comes first: a set is validated whole, so order does not matter. */
  static final String SHOP =
      """
      # the whole shop, in one file
      apiVersion: attache.io/v1
      kind: Route
      name: orders-api
      spec:
        hosts: [orders]
        path_prefix: /api/
        destinations:
        - service: orders
      ---
      kind: Service
      name: orders
      spec:
        port: 8080
        endpoints:
        - {address: 10.0.0.1, port: 9001}
      ---
      kind: Service
      name: payments
      spec:
        port: 8080
        endpoints:
        - {address: 10.0.0.2, port: 9002}
      ---
      kind: MeshDefaults
      spec:
        retry: {retry_on: [reset, connect-failure], num_retries: 2}
        breaker: {consecutive_failures: 5}
        connect_timeout: 1s
      """;

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
  void appliesAWholeSetAsOneRevisionWhateverItsOrder() {
    HttpResponse<String> applied = rest.post("/api/v1/apply", SHOP, YAML);

    assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
    JsonNode body = json(applied);
    assertThat(body.get("committed").asBoolean()).isTrue();
    assertThat(body.get("revision").asLong()).isEqualTo(1);
    // The defaults always exist (the built-in ones until written), so they are configured.
    assertThat(body.get("summary").asText()).isEqualTo("3 created, 1 configured");
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize(1);
    assertThat(
            json(rest.get("/api/v1/routes/orders-api"))
                .get("destinations")
                .get(0)
                .get("service")
                .asText())
        .isEqualTo("orders");
    assertThat(
            json(rest.get("/api/v1/defaults")).get("breaker").get("consecutive_failures").asInt())
        .isEqualTo(5);
  }

  @Test
  void applyingWhatIsAlreadyThereMakesNoRevision() {
    rest.post("/api/v1/apply", SHOP, YAML);

    JsonNode again = json(rest.post("/api/v1/apply", SHOP, YAML));

    assertThat(again.get("committed").asBoolean()).isFalse();
    assertThat(again.get("revision").asLong()).isEqualTo(1);
    assertThat(again.get("summary").asText()).isEqualTo("4 unchanged");
    assertThat(again.get("diff").asText()).isEmpty();
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize(1);
  }

  @Test
  void anIdenticalPutIsANoOpWithTheSameEtag() {
    rest.post("/api/v1/apply", SHOP, YAML);
    String orders = rest.get("/api/v1/services/orders").body();

    HttpResponse<String> put = rest.put("/api/v1/services/orders", orders);

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.headers().firstValue("ETag")).hasValue("\"1\"");
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize(1);
  }

  @Test
  void aDryRunReportsTheDiffAndStoresNothing() {
    rest.post("/api/v1/apply", SHOP, YAML);
    String changed = SHOP.replace("port: 9002", "port: 9003");

    JsonNode dryRun = json(rest.post("/api/v1/apply?dry_run=true", changed, YAML));

    assertThat(dryRun.get("committed").asBoolean()).isFalse();
    assertThat(dryRun.get("summary").asText()).isEqualTo("1 configured, 3 unchanged");
    assertThat(dryRun.get("diff").asText())
        .contains("--- Service/payments (revision 1)")
        .contains("   - address: 10.0.0.2\n-    port: 9002")
        .contains("+    port: 9003");
    assertThat(
            json(rest.get("/api/v1/services/payments")).get("endpoints").get(0).get("port").asInt())
        .isEqualTo(9002);
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize(1);
  }

  @Test
  void aSetThatBreaksARuleStoresNothingAndNamesTheDocumentFieldAndLine() {
    String broken = SHOP.replace("- service: orders", "- service: billing");

    HttpResponse<String> refused = rest.post("/api/v1/apply", broken, YAML);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    JsonNode error = json(refused);
    assertThat(error.get("field").asText()).isEqualTo("documents[0].spec.destinations[0].service");
    assertThat(error.get("line").asInt()).isEqualTo(9);
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
    assertThat(json(rest.get("/api/v1/services")).get("items")).isEmpty();
  }

  @Test
  void anUnknownFieldInASpecIsNamedWithItsDocument() {
    String broken =
        SHOP.replace(
            "port: 8080\n  endpoints:\n  - {address: 10.0.0.1",
            "prot: 8080\n  endpoints:\n  - {address: 10.0.0.1");

    JsonNode error = json(rest.post("/api/v1/apply", broken, YAML));

    assertThat(error.get("field").asText()).isEqualTo("documents[1].spec.prot");
    assertThat(error.get("line").asInt()).isEqualTo(14);
  }

  @Test
  void aValueThatDoesNotParseIsNamedAtItsFieldAndLine() {
    String broken = SHOP.replace("connect_timeout: 1s", "connect_timeout: soon");

    JsonNode error = json(rest.post("/api/v1/apply", broken, YAML));

    assertThat(error.get("field").asText()).isEqualTo("documents[3].spec.connect_timeout");
    assertThat(error.get("line").asInt()).isEqualTo(29);
  }

  @Test
  void pruneDeletesWhatTheSetNoLongerHoldsAndOnlyWhenAsked() {
    rest.post("/api/v1/apply", SHOP, YAML);
    rest.put(
        "/api/v1/services/inventory",
        "{\"port\": 8080, \"endpoints\": [{\"address\": \"10.0.0.3\", \"port\": 9003}]}");

    JsonNode kept = json(rest.post("/api/v1/apply", SHOP, YAML));
    JsonNode pruned = json(rest.post("/api/v1/apply?prune=true", SHOP, YAML));

    assertThat(kept.get("committed").asBoolean()).isFalse();
    assertThat(pruned.get("summary").asText()).isEqualTo("4 unchanged, 1 deleted");
    assertThat(rest.get("/api/v1/services/inventory").statusCode()).isEqualTo(404);
  }

  @Test
  void exportReappliesToTheIdenticalState() {
    rest.post("/api/v1/apply", SHOP, YAML);
    rest.put(
        "/api/v1/raw/clusters/legacy",
        """
        {"name": "legacy", "type": "STRICT_DNS", "connect_timeout": "2s",
         "load_assignment": {"cluster_name": "legacy", "endpoints": [{"lb_endpoints": [
           {"endpoint": {"address": {"socket_address": {"address": "legacy.internal", "port_value": 443}}}}]}]}}""");
    rest.put(
        "/api/v1/authorizations/orders-may-pay",
        """
        {"target": "payments", "action": "ALLOW",
         "rules": [{"from": {"principals": ["spiffe://attache.local/ns/default/sa/orders"]}}]}""");
    String exported = rest.get("/api/v1/export").body();
    long revisions = json(rest.get("/api/v1/revisions")).get("items").size();

    JsonNode reapplied = json(rest.post("/api/v1/apply?prune=true", exported, YAML));

    assertThat(reapplied.get("committed").asBoolean()).as(exported).isFalse();
    assertThat(reapplied.get("summary").asText()).isEqualTo("6 unchanged");
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize((int) revisions);
    assertThat(exported).contains("kind: EnvoyCluster").contains("kind: Authorization");

    JsonNode asJson = json(rest.get("/api/v1/export?format=json"));
    JsonNode jsonAgain =
        json(
            rest.post(
                "/api/v1/apply?prune=true", asJson.get("items").toString(), "application/json"));
    assertThat(jsonAgain.get("summary").asText()).isEqualTo("6 unchanged");
  }

  @Test
  void aMergePatchChangesOneFieldAndKeepsTheRest() {
    rest.post("/api/v1/apply", SHOP, YAML);

    HttpResponse<String> patched =
        rest.patch("/api/v1/defaults", "{\"retry\": {\"num_retries\": 4}}");

    assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
    JsonNode defaults = json(rest.get("/api/v1/defaults"));
    assertThat(defaults.get("retry").get("num_retries").asInt()).isEqualTo(4);
    assertThat(defaults.get("retry").get("retry_on")).hasSize(2);
    assertThat(defaults.get("breaker").get("consecutive_failures").asInt()).isEqualTo(5);
    assertThat(defaults.get("connect_timeout").asText()).isEqualTo("1s");
  }

  @Test
  void aMergePatchNullRemovesAFieldAndAStaleIfMatchIsRefused() {
    rest.post("/api/v1/apply", SHOP, YAML);

    HttpResponse<String> removed = rest.patch("/api/v1/defaults", "{\"breaker\": null}");
    HttpResponse<String> stale =
        rest.patch("/api/v1/services/orders", "{\"port\": 9090}", "If-Match", "\"7\"");

    assertThat(removed.statusCode()).isEqualTo(200);
    assertThat(json(rest.get("/api/v1/defaults")).has("breaker")).isFalse();
    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(rest.patch("/api/v1/services/nope", "{\"port\": 1}").statusCode()).isEqualTo(404);
  }

  @Test
  void aRevisionShowsItsStateChangesAndADiffAgainstAnyOther() {
    rest.post("/api/v1/apply", SHOP, YAML);
    rest.patch("/api/v1/services/payments", "{\"port\": 9090}");

    JsonNode second = json(rest.get("/api/v1/revisions/2"));
    JsonNode diff = json(rest.get("/api/v1/revisions/2/diff"));
    JsonNode againstNothing = json(rest.get("/api/v1/revisions/2/diff?against=0"));

    assertThat(second.get("summary").asText()).isEqualTo("put service 'payments'");
    assertThat(second.get("changes").get(0).get("action").asText()).isEqualTo("configured");
    assertThat(second.get("documents")).hasSize(4);
    assertThat(diff.get("diff").asText()).contains("-  port: 8080").contains("+  port: 9090");
    assertThat(againstNothing.get("changes")).hasSize(4);
    assertThat(rest.get("/api/v1/revisions/3").statusCode()).isEqualTo(404);
  }

  @Test
  void putAcceptsYaml() {
    HttpResponse<String> put =
        rest.put(
            "/api/v1/services/orders",
            "port: 8080\nendpoints:\n- {address: 10.0.0.1, port: 9001}\n",
            "Content-Type",
            YAML);

    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
  }

  @Test
  void theServedSchemaIsTheCommittedOne() throws Exception {
    Path committed = Path.of("..", "docs", "policy.schema.json");
    String served = rest.get("/api/v1/schema.json").body();
    if (Boolean.getBoolean("attache.regenerateDocs")) {
      java.nio.file.Files.writeString(committed, served);
    }

    assertThat(java.nio.file.Files.readString(committed))
        .as("docs/policy.schema.json is stale; run the test with -Dattache.regenerateDocs=true")
        .isEqualTo(served);
    assertThat(
            json(rest.get("/api/v1/schema.json"))
                .at("/$defs/attache.policy.v1.Service/properties/port/type")
                .asText())
        .isEqualTo("integer");
  }
}
