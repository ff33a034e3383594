package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyStatusApiTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;
  private static final String ORDERS =
      "{\"name\":\"orders\",\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}";

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private final List<AdsTestClient> clients = new ArrayList<>();
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
                Duration.ofMillis(20),
                Duration.ofMillis(200)),
            scheduler,
            Clock.systemUTC());
    rest = new RestClient(controlPlane.httpPort());
    assertThat(rest.put("/api/v1/services/orders", ORDERS).statusCode()).isEqualTo(201);
  }

  @AfterEach
  void stop() {
    clients.forEach(AdsTestClient::close);
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void showsAcksAndNacksOfEachConnectedProxy() throws Exception {
    AdsTestClient good = client("good-1", "web");
    AdsTestClient bad = client("bad-1", "web");
    good.request(CDS, "", "", List.of());
    bad.request(CDS, "", "", List.of());
    DiscoveryResponse goodClusters = good.next();
    DiscoveryResponse badClusters = bad.next();

    good.ack(goodClusters);
    bad.nack(badClusters, "", "Proto constraint validation failed: cluster orders");

    await()
        .untilAsserted(
            () -> {
              JsonNode types = json(rest.get("/api/v1/proxies/good-1")).get("types").get(CDS);
              assertThat(types.get("last_acked_version").asText())
                  .isEqualTo(goodClusters.getVersionInfo());
            });
    await()
        .untilAsserted(
            () -> {
              JsonNode nack =
                  json(rest.get("/api/v1/proxies/bad-1")).get("types").get(CDS).get("last_nack");
              assertThat(nack.get("error_detail").asText())
                  .isEqualTo("Proto constraint validation failed: cluster orders");
            });
    JsonNode all = json(rest.get("/api/v1/proxies")).get("items");
    assertThat(all).extracting(p -> p.get("node_id").asText()).containsExactly("bad-1", "good-1");
    assertThat(all.get(1).get("cluster").asText()).isEqualTo("web");
    assertThat(all.get(1).get("connected_since").asText()).isNotEmpty();
    assertThat(all.get(1).get("user_agent").asText()).isEqualTo("envoy");
  }

  @Test
  void dumpsTheResourcesANodeReceives() throws Exception {
    AdsTestClient proxy = client("dump-1", "web");
    proxy.request(CDS, "", "", List.of());
    proxy.next();

    JsonNode dump = json(rest.get("/api/v1/proxies/dump-1/config"));

    assertThat(dump.get("clusters").get(0).get("name").asText()).isEqualTo("orders");
    assertThat(
            dump.get("listeners")
                .get(0)
                .get("address")
                .get("socket_address")
                .get("port_value")
                .asInt())
        .isEqualTo(15001);
    assertThat(dump.get("routes").get(0).get("virtual_hosts").get(0).get("domains").toString())
        .isEqualTo("[\"orders\",\"orders:8080\"]");
  }

  @Test
  void aRejectedWriteLeavesEveryProxysConfigUntouched() throws Exception {
    AdsTestClient proxy = client("steady-1", "web");
    proxy.request(CDS, "", "", List.of());
    proxy.ack(proxy.next());
    String before = rest.get("/api/v1/proxies/steady-1/config").body();
    String pushesBefore = metric("attache_cp_snapshot_pushes_total");

    assertThat(rest.put("/api/v1/services/orders", ORDERS.replace("9001", "0")).statusCode())
        .isEqualTo(400);

    assertThat(rest.get("/api/v1/proxies/steady-1/config").body()).isEqualTo(before);
    assertThat(metric("attache_cp_snapshot_pushes_total")).isEqualTo(pushesBefore);
  }

  @Test
  void seedScenarioOneDefaultsWriteReachesAllTwentyProxiesWhichAck() throws Exception {
    List<String> initialVersions = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      AdsTestClient proxy = client("seed-" + i, "team-" + (i % 8));
      proxy.request(RDS, "", "", List.of("outbound"));
      DiscoveryResponse routes = proxy.next();
      proxy.ack(routes, List.of("outbound"));
      initialVersions.add(routes.getVersionInfo());
    }

    String defaults =
        rest.get("/api/v1/defaults").body().replace("\"num_retries\": 2", "\"num_retries\": 4");
    assertThat(defaults).contains("\"num_retries\": 4");
    assertThat(rest.put("/api/v1/defaults", defaults).statusCode()).isEqualTo(200);

    List<String> newVersions = new ArrayList<>();
    for (AdsTestClient proxy : clients) {
      DiscoveryResponse update = proxy.next();
      RouteConfiguration config = update.getResources(0).unpack(RouteConfiguration.class);
      assertThat(
              config
                  .getVirtualHosts(0)
                  .getRoutes(0)
                  .getRoute()
                  .getRetryPolicy()
                  .getNumRetries()
                  .getValue())
          .isEqualTo(4);
      proxy.ack(update, List.of("outbound"));
      newVersions.add(update.getVersionInfo());
    }
    assertThat(newVersions).doesNotContainAnyElementsOf(initialVersions);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode items = json(rest.get("/api/v1/proxies")).get("items");
              assertThat(items).hasSize(20);
              for (JsonNode proxy : items) {
                assertThat(proxy.get("types").get(RDS).get("last_acked_version").asText())
                    .as(proxy.get("node_id").asText())
                    .isIn(newVersions);
              }
            });
  }

  private AdsTestClient client(String id, String cluster) {
    AdsTestClient client =
        new AdsTestClient(controlPlane.xdsPort(), AdsTestClient.node(id, cluster));
    clients.add(client);
    return client;
  }

  private String metric(String name) {
    return rest.get("/metrics")
        .body()
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .findFirst()
        .orElseThrow();
  }
}
