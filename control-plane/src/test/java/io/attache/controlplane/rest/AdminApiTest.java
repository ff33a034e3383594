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

class AdminApiTest {

  private static final String ORDERS =
      "{\"name\":\"orders\",\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}";

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
  void createsAServiceAndReadsItBackWithItsEtag() {
    HttpResponse<String> created = rest.put("/api/v1/services/orders", ORDERS);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");
    HttpResponse<String> read = rest.get("/api/v1/services/orders");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.headers().firstValue("ETag")).hasValue("\"1\"");
    assertThat(json(read).get("endpoints").get(0).get("port").asInt()).isEqualTo(9001);
    assertThat(json(rest.get("/api/v1/services")).get("items")).hasSize(1);
  }

  @Test
  void replacesWithAMatchingEtagAndRefusesAStaleOneWith412() {
    rest.put("/api/v1/services/orders", ORDERS);
    HttpResponse<String> replaced =
        rest.put("/api/v1/services/orders", ORDERS.replace("9001", "9002"), "If-Match", "\"1\"");
    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(replaced.headers().firstValue("ETag")).hasValue("\"2\"");

    HttpResponse<String> stale =
        rest.put("/api/v1/services/orders", ORDERS.replace("9001", "9003"), "If-Match", "\"1\"");

    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(json(stale).get("error").asText()).isEqualTo("precondition_failed");
    assertThat(
            json(rest.get("/api/v1/services/orders")).get("endpoints").get(0).get("port").asInt())
        .isEqualTo(9002);
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).hasSize(2);
  }

  @Test
  void refusesToCreateOverAnExistingResourceWithIfNoneMatch() {
    rest.put("/api/v1/services/orders", ORDERS);

    assertThat(rest.put("/api/v1/services/orders", ORDERS, "If-None-Match", "*").statusCode())
        .isEqualTo(412);
  }

  @Test
  void rejectsUnknownFieldsNamingTheField() {
    HttpResponse<String> response =
        rest.put("/api/v1/services/orders", "{\"name\":\"orders\",\"colour\":\"red\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response);
    assertThat(error.get("error").asText()).isEqualTo("invalid_argument");
    assertThat(error.get("field").asText()).isEqualTo("colour");
    assertThat(error.get("message").asText()).contains("colour");
  }

  @Test
  void rejectsAPolicyRuleViolationWithTheFieldPathAndStoresNothing() {
    HttpResponse<String> response =
        rest.put("/api/v1/services/orders", ORDERS.replace("9001", "70000"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("endpoints[0].port");
    assertThat(rest.get("/api/v1/services/orders").statusCode()).isEqualTo(404);
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void rejectsABodyWhoseNameDisagreesWithThePath() {
    HttpResponse<String> response = rest.put("/api/v1/services/users", ORDERS);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("name");
  }

  @Test
  void rejectsANonJsonBodyWith415() {
    HttpResponse<String> response =
        rest.put("/api/v1/services/orders", ORDERS, "Content-Type", "text/plain");

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(json(response).get("error").asText()).isEqualTo("unsupported_media_type");
  }

  @Test
  void answers404AsJsonForMissingResourcesAndUnknownPaths() {
    assertThat(rest.get("/api/v1/services/nope").statusCode()).isEqualTo(404);
    assertThat(json(rest.get("/api/v1/services/nope")).get("error").asText())
        .isEqualTo("not_found");
    assertThat(rest.delete("/api/v1/routes/nope").statusCode()).isEqualTo(404);
    assertThat(rest.get("/api/v1/raw/secrets/x").statusCode()).isEqualTo(404);
    assertThat(rest.get("/api/v1/proxies/nobody").statusCode()).isEqualTo(404);
    HttpResponse<String> unknown = rest.get("/api/v2/nothing");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).get("error").asText()).isEqualTo("not_found");
  }

  @Test
  void refusesToDeleteAServiceARouteStillSendsTrafficToWith409() {
    rest.put("/api/v1/services/orders", ORDERS);
    HttpResponse<String> route =
        rest.put(
            "/api/v1/routes/api",
            "{\"hosts\":[\"orders\"],\"path_prefix\":\"/api\",\"destinations\":[{\"service\":\"orders\"}]}");
    assertThat(route.statusCode()).isEqualTo(201);

    HttpResponse<String> delete = rest.delete("/api/v1/services/orders");

    assertThat(delete.statusCode()).isEqualTo(409);
    assertThat(json(delete).get("field").asText()).isEqualTo("routes[\"api\"].hosts[0]");
    assertThat(rest.get("/api/v1/services/orders").statusCode()).isEqualTo(200);
  }

  @Test
  void rejectsARouteToAnUnknownServiceOrWithWeightsNotSummingTo100() {
    rest.put("/api/v1/services/orders", ORDERS);
    rest.put("/api/v1/services/canary", ORDERS.replace("orders", "canary"));

    HttpResponse<String> unknown =
        rest.put(
            "/api/v1/routes/api",
            "{\"hosts\":[\"orders\"],\"destinations\":[{\"service\":\"ghost\"}]}");
    HttpResponse<String> badWeights =
        rest.put(
            "/api/v1/routes/api",
            "{\"hosts\":[\"orders\"],\"destinations\":[{\"service\":\"orders\",\"weight\":90},{\"service\":\"canary\",\"weight\":20}]}");

    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).get("field").asText()).isEqualTo("destinations[0].service");
    assertThat(badWeights.statusCode()).isEqualTo(400);
    assertThat(json(badWeights).get("field").asText()).isEqualTo("destinations");
  }

  @Test
  void validatesRawResourcesAgainstEnvoysOwnRules() {
    HttpResponse<String> negative =
        rest.put(
            "/api/v1/raw/clusters/legacy", "{\"name\":\"legacy\",\"connect_timeout\":\"-1s\"}");
    assertThat(negative.statusCode()).isEqualTo(400);
    assertThat(json(negative).get("field").asText()).isEqualTo("connect_timeout");

    HttpResponse<String> good =
        rest.put(
            "/api/v1/raw/clusters/legacy",
            "{\"name\":\"legacy\",\"connect_timeout\":\"2s\",\"type\":\"STATIC\"}");
    assertThat(good.statusCode()).isEqualTo(201);
    assertThat(json(rest.get("/api/v1/raw/clusters/legacy")).get("connect_timeout").asText())
        .isEqualTo("2s");
  }

  @Test
  void refusesAnEndpointAddressNoProxyCouldTakeNamingTheFieldAndStoresNothing() {
    HttpResponse<String> refused =
        rest.put("/api/v1/services/orders", ORDERS.replace("10.0.0.1", "backend internal"));

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).get("field").asText()).isEqualTo("endpoints[0].address");
    assertThat(json(refused).get("message").asText())
        .isEqualTo("'backend internal' is neither an IP address nor a DNS host name");
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();
  }

  @Test
  void refusesAHostNameInRawEndpointsAndStaticClustersButNotInDnsClusters() {
    HttpResponse<String> endpoints =
        rest.put(
            "/api/v1/raw/endpoints/legacy",
            "{\"cluster_name\":\"legacy\",\"endpoints\":[{\"lb_endpoints\":[{\"endpoint\":"
                + "{\"address\":{\"socket_address\":{\"address\":\"billing.internal\","
                + "\"port_value\":443}}}}]}]}");
    assertThat(endpoints.statusCode()).isEqualTo(400);
    assertThat(json(endpoints).get("field").asText())
        .isEqualTo("endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address");

    String cluster =
        "{\"name\":\"legacy\",\"type\":\"STATIC\",\"connect_timeout\":\"1s\","
            + "\"load_assignment\":{\"cluster_name\":\"legacy\",\"endpoints\":[{\"lb_endpoints\":"
            + "[{\"endpoint\":{\"address\":{\"socket_address\":{\"address\":\"billing.internal\","
            + "\"port_value\":443}}}}]}]}}";
    HttpResponse<String> staticCluster = rest.put("/api/v1/raw/clusters/legacy", cluster);
    assertThat(staticCluster.statusCode()).isEqualTo(400);
    assertThat(json(staticCluster).get("field").asText())
        .isEqualTo(
            "load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address");
    assertThat(
            rest.put("/api/v1/raw/clusters/legacy", cluster.replace("\"STATIC\"", "\"STRICT_DNS\""))
                .statusCode())
        .isEqualTo(201);
  }

  @Test
  void refusesARawClusterNamedLikeAGeneratedOneWith409() {
    rest.put("/api/v1/services/orders", ORDERS);

    HttpResponse<String> clash = rest.put("/api/v1/raw/clusters/orders", "{\"name\":\"orders\"}");

    assertThat(clash.statusCode()).isEqualTo(409);
  }

  @Test
  void acceptsTypedConfigInRawListeners() {
    String listener =
        "{\"name\":\"ingress\",\"address\":{\"socket_address\":{\"address\":\"0.0.0.0\",\"port_value\":8443}},"
            + "\"filter_chains\":[{\"filters\":[{\"name\":\"envoy.filters.network.http_connection_manager\","
            + "\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\","
            + "\"rds\":{\"route_config_name\":\"r\",\"config_source\":{\"ads\":{}}},"
            + "\"stat_prefix\":\"\"}}]}]}";

    HttpResponse<String> response = rest.put("/api/v1/raw/listeners/ingress", listener);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText())
        .isEqualTo("filter_chains[0].filters[0].typed_config.stat_prefix");
    assertThat(
            rest.put(
                    "/api/v1/raw/listeners/ingress",
                    listener.replace("\"stat_prefix\":\"\"", "\"stat_prefix\":\"in\""))
                .statusCode())
        .isEqualTo(201);
  }

  @Test
  void servesBuiltInDefaultsUntilReplaced() {
    HttpResponse<String> builtIn = rest.get("/api/v1/defaults");
    assertThat(builtIn.headers().firstValue("ETag")).hasValue("\"0\"");
    assertThat(json(builtIn).get("retry").get("retriable_status_codes").toString())
        .isEqualTo("[429,503]");

    HttpResponse<String> replaced =
        rest.put("/api/v1/defaults", "{\"retry\":{\"retry_on\":[\"5xx\"]}}", "If-Match", "\"0\"");

    assertThat(replaced.statusCode()).isEqualTo(200);
    assertThat(json(rest.get("/api/v1/defaults")).get("retry").get("retry_on").get(0).asText())
        .isEqualTo("5xx");
    assertThat(
            rest.put("/api/v1/defaults", "{\"retry\":{\"retry_on\":[\"sometimes\"]}}").statusCode())
        .isEqualTo(400);
  }

  @Test
  void takesIdentityTokenDefaultsAndRefusesABadHeaderOrLifetimeNamingTheFieldStoringNothing() {
    for (String[] bad :
        new String[][] {
          {"{\"header\": \"X-Service-Identity\"}", "identity_token.header"},
          {"{\"header\": \"x-attache-caller\"}", "identity_token.header"},
          {"{\"header\": \"bad header\"}", "identity_token.header"},
          {"{\"lifetime\": \"0s\"}", "identity_token.lifetime"},
          {"{\"lifetime\": \"3601s\"}", "identity_token.lifetime"},
          {"{\"lifetime\": \"1.5s\"}", "identity_token.lifetime"}
        }) {
      HttpResponse<String> refused =
          rest.put("/api/v1/defaults", "{\"identity_token\": " + bad[0] + "}");
      assertThat(refused.statusCode()).as(bad[0]).isEqualTo(400);
      assertThat(json(refused).get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
    }
    assertThat(rest.get("/api/v1/defaults").headers().firstValue("ETag")).hasValue("\"0\"");
    assertThat(json(rest.get("/api/v1/revisions")).get("items")).isEmpty();

    HttpResponse<String> accepted =
        rest.put(
            "/api/v1/defaults",
            "{\"identity_token\": {\"enabled\": true, \"header\": \"authorization\","
                + " \"lifetime\": \"3600s\"}}");

    assertThat(accepted.statusCode()).isEqualTo(200);
    JsonNode token = json(rest.get("/api/v1/defaults")).get("identity_token");
    assertThat(token.get("enabled").asBoolean()).isTrue();
    assertThat(token.get("header").asText()).isEqualTo("authorization");
    assertThat(token.get("lifetime").asText()).isEqualTo("3600s");
  }

  @Test
  void refusesATokenPrincipalWithAWildcardInTheMiddleNamingTheField() {
    HttpResponse<String> refused =
        rest.put(
            "/api/v1/authorizations/by-token",
            "{\"target\": \"payments\", \"rules\": [{\"from\": {\"token_principals\":"
                + " [\"spiffe://attache.local/*/sa/orders\"]}}]}");

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).get("field").asText()).isEqualTo("rules[0].from.token_principals[0]");
    assertThat(rest.get("/api/v1/authorizations/by-token").statusCode()).isEqualTo(404);
  }

  @Test
  void rollsBackToAnEarlierRevisionAsANewRevision() {
    rest.put("/api/v1/services/orders", ORDERS);
    rest.put("/api/v1/services/orders", ORDERS.replace("9001", "9002"));
    rest.put("/api/v1/services/users", ORDERS.replace("orders", "users"));

    HttpResponse<String> rollback = rest.post("/api/v1/revisions/1/rollback");

    assertThat(rollback.statusCode()).isEqualTo(201);
    assertThat(json(rollback).get("revision").asLong()).isEqualTo(4);
    assertThat(
            json(rest.get("/api/v1/services/orders")).get("endpoints").get(0).get("port").asInt())
        .isEqualTo(9001);
    assertThat(rest.get("/api/v1/services/users").statusCode()).isEqualTo(404);
    JsonNode revisions = json(rest.get("/api/v1/revisions")).get("items");
    assertThat(revisions).hasSize(4);
    assertThat(revisions.get(0).get("summary").asText()).isEqualTo("rollback to revision 1");
    assertThat(rest.post("/api/v1/revisions/99/rollback").statusCode()).isEqualTo(404);
    assertThat(rest.post("/api/v1/revisions/x/rollback").statusCode()).isEqualTo(400);
  }

  @Test
  void servesHealthReadinessMetricsAndOpenApi() {
    assertThat(rest.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(rest.get("/readyz").statusCode()).isEqualTo(200);
    rest.put("/api/v1/services/orders", ORDERS);
    rest.put("/api/v1/services/orders", "{\"bogus\":1}");
    String metrics = rest.get("/metrics").body();
    assertThat(metrics)
        .contains(
            "attache_cp_rest_writes_accepted_total 1",
            "attache_cp_rest_writes_rejected_total 1",
            "attache_cp_store_revision 1");
    JsonNode openApi = json(rest.get("/api/v1/openapi.json"));
    assertThat(openApi.get("paths").has("/api/v1/proxies/{nodeId}/config")).isTrue();
  }
}
