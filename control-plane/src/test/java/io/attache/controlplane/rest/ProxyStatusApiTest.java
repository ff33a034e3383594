package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
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

  @Test
  void pagesThroughEveryProxyOnceInNodeIdOrderGoogleApiStyle() throws Exception {
    for (int i = 0; i < 7; i++) {
      AdsTestClient proxy = client("page-" + i, "web");
      proxy.request(CDS, "", "", List.of());
      proxy.next();
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String token = "";
    for (int pages = 0; pages < 10; pages++) {
      JsonNode page = json(rest.get("/api/v1/proxies?page_size=3&page_token=" + token));
      page.get("items").forEach(p -> seen.add(p.get("node_id").asText()));
      pageSizes.add(page.get("items").size());
      token = page.get("next_page_token").asText();
      if (token.isEmpty()) {
        break;
      }
    }

    assertThat(pageSizes).containsExactly(3, 3, 1);
    assertThat(seen)
        .containsExactly("page-0", "page-1", "page-2", "page-3", "page-4", "page-5", "page-6");
  }

  @Test
  void aProxyThatLeavesBetweenTwoPagesMakesTheNextPageSkipNoOneElse() throws Exception {
    for (int i = 0; i < 4; i++) {
      AdsTestClient proxy = client("stay-" + i, "web");
      proxy.request(CDS, "", "", List.of());
      proxy.next();
    }
    JsonNode first = json(rest.get("/api/v1/proxies?page_size=2"));
    assertThat(first.get("items"))
        .extracting(p -> p.get("node_id").asText())
        .containsExactly("stay-0", "stay-1");

    clients.remove(1).close();
    clients.remove(1).close();
    await()
        .untilAsserted(() -> assertThat(json(rest.get("/api/v1/proxies")).get("items")).hasSize(2));

    JsonNode second =
        json(
            rest.get(
                "/api/v1/proxies?page_size=2&page_token=" + first.get("next_page_token").asText()));
    assertThat(second.get("items"))
        .extracting(p -> p.get("node_id").asText())
        .containsExactly("stay-3");
    assertThat(second.get("next_page_token").asText()).isEmpty();
  }

  @Test
  void listsAttachesOwnMetadataKeysUnlessAskedForAllOfIt() throws Exception {
    Struct metadata =
        Struct.newBuilder()
            .putFields("attache.app_port", Value.newBuilder().setNumberValue(8080).build())
            .putFields("labels", Value.newBuilder().setStringValue("x".repeat(30_000)).build())
            .build();
    AdsTestClient proxy =
        new AdsTestClient(
            controlPlane.xdsPort(),
            AdsTestClient.node("meta-1", "web").toBuilder().setMetadata(metadata).build());
    clients.add(proxy);
    proxy.request(CDS, "", "", List.of());
    proxy.next();

    JsonNode listed = json(rest.get("/api/v1/proxies")).get("items").get(0);
    JsonNode full = json(rest.get("/api/v1/proxies?full=true")).get("items").get(0);
    JsonNode one = json(rest.get("/api/v1/proxies/meta-1"));

    assertThat(listed.get("metadata").toString()).isEqualTo("{\"attache.app_port\":8080.0}");
    assertThat(listed.get("metadata_bytes").asInt()).isEqualTo(metadata.getSerializedSize());
    assertThat(full.get("metadata").get("labels").asText()).hasSize(30_000);
    assertThat(one.get("metadata").get("labels").asText()).hasSize(30_000);
  }

  @Test
  void refusesPagingParametersItCannotReadNamingThem() {
    assertThat(json(rest.get("/api/v1/proxies?page_size=ten")).get("field").asText())
        .isEqualTo("page_size");
    assertThat(json(rest.get("/api/v1/proxies?page_size=-1")).get("field").asText())
        .isEqualTo("page_size");
    assertThat(json(rest.get("/api/v1/proxies?page_token=bm90LWEtdG9rZW4")).get("field").asText())
        .isEqualTo("page_token");
    assertThat(json(rest.get("/api/v1/proxies?full=yes")).get("field").asText()).isEqualTo("full");
    assertThat(rest.get("/api/v1/proxies?full=yes").statusCode()).isEqualTo(400);
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
