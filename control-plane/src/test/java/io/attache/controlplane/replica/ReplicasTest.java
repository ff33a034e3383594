package io.attache.controlplane.replica;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.testing.TestPostgres;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three control planes in one JVM on one real PostgreSQL database: what makes them one control
 * plane — every replica pushes every replica's writes, If-Match holds across replicas, and they
 * share one CA and one set of bootstrap tokens. (Real processes, kill -9 and outages:
 * ReplicaFailureIT.)
 */
class ReplicasTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;

  @TempDir Path dataDirs;

  private final SystemScheduler scheduler = new SystemScheduler();
  private final List<ControlPlane> replicas = new ArrayList<>();
  private final CaKeyEncryptionKey key = CaKeyEncryptionKey.random();
  private String store;

  @BeforeEach
  void startThreeReplicas() throws Exception {
    TestPostgres postgres = TestPostgres.shared();
    store = postgres.uri(postgres.createDatabase());
    for (int i = 0; i < 3; i++) {
      replicas.add(start(i, key, "attache.local"));
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(ControlPlane::close);
    scheduler.close();
  }

  /** A replica whose head check never fires in the test: only notifications can move it. */
  private ControlPlane start(int index, CaKeyEncryptionKey caKey, String trustDomain)
      throws Exception {
    ControlPlaneConfig config =
        new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDirs.resolve("replica-" + index),
                Duration.ofMillis(20),
                Duration.ofMillis(200))
            .withSecurity(
                new ControlPlaneConfig.Security(
                    trustDomain,
                    Optional.empty(),
                    Duration.ofHours(24),
                    false,
                    List.of("localhost")))
            .withSharedStore(
                new ControlPlaneConfig.SharedStore(
                    PostgresLocation.parse(store, Map.of(), Optional.empty()),
                    Duration.ofHours(1),
                    Optional.of(caKey)));
    return ControlPlane.start(config, scheduler, Clock.systemUTC());
  }

  private RestClient rest(int replica) {
    return new RestClient(replicas.get(replica).httpPort());
  }

  @Test
  void aWriteThroughOneReplicaIsPushedByAnotherThroughItsCommitNotification() throws Exception {
    try (AdsTestClient proxy =
        new AdsTestClient(replicas.get(2).xdsPort(), AdsTestClient.node("p-1", "web"))) {
      proxy.request(CDS, "", "", List.of());
      DiscoveryResponse initial = proxy.next();
      assertThat(initial.getResourcesList()).isEmpty();
      proxy.ack(initial);

      assertThat(
              rest(0)
                  .put(
                      "/api/v1/services/orders",
                      "{\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":8080}]}")
                  .statusCode())
          .isEqualTo(201);

      DiscoveryResponse pushed = proxy.next();
      assertThat(pushed.getResourcesList())
          .extracting(any -> any.unpack(Cluster.class).getName())
          .containsExactly("orders");
    }
    // The replica no proxy watched follows too: it serves revision 1 as well.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(rest(1).get("/metrics").body())
                    .contains("attache_cp_store_revision 1.0\n"));
  }

  @Test
  void ofTwentyWritersWithTheSameEtagOverThreeReplicasExactlyOneWins() throws Exception {
    HttpResponse<String> created =
        rest(0)
            .put(
                "/api/v1/services/orders",
                "{\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":8080}]}");
    String etag = created.headers().firstValue("ETag").orElseThrow();

    ExecutorService writers = Executors.newFixedThreadPool(20);
    List<Future<Integer>> statuses = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        RestClient client = rest(i % 3);
        String body = "{\"endpoints\":[{\"address\":\"10.0.1." + (i + 1) + "\",\"port\":8080}]}";
        statuses.add(
            writers.submit(
                () -> client.put("/api/v1/services/orders", body, "If-Match", etag).statusCode()));
      }
      List<Integer> results = new ArrayList<>();
      for (Future<Integer> status : statuses) {
        results.add(status.get(60, TimeUnit.SECONDS));
      }
      assertThat(results).filteredOn(s -> s == 200).hasSize(1);
      assertThat(results).filteredOn(s -> s == 412).hasSize(19);
    } finally {
      writers.shutdownNow();
    }
    assertThat(json(rest(2).get("/api/v1/revisions")).get("items")).hasSize(2);
  }

  @Test
  void theReplicasShareOneGeneratedRootWhoseKeyIsSealedInTheStore() throws Exception {
    assertThat(replicas)
        .extracting(r -> r.certificates().authority().trustBundlePem())
        .containsOnly(replicas.get(0).certificates().authority().trustBundlePem());

    assertThatThrownBy(() -> start(3, CaKeyEncryptionKey.random(), "attache.local"))
        .hasMessageContaining("sealed with key id " + key.id())
        .hasMessageContaining("give every replica the same key");
    assertThatThrownBy(() -> start(4, key, "other.example"))
        .hasMessageContaining("trust domain attache.local");
  }

  @Test
  void aTokenIssuedOnOneReplicaWorksOnAllAndRevokingItOnAnotherEndsItEverywhere() {
    HttpResponse<String> issued = rest(0).post("/api/v1/identities/shop/orders/tokens");
    assertThat(issued.statusCode()).isEqualTo(201);
    String token = json(issued).get("token").asText();
    String id = json(issued).get("id").asText();
    String identity = new SpiffeId("attache.local", "shop", "orders").uri();

    assertThat(replicas)
        .extracting(r -> r.bootstrapTokens().identityOf(token))
        .containsOnly(Optional.of(identity));

    assertThat(rest(2).delete("/api/v1/identities/shop/orders/tokens/" + id).statusCode())
        .isEqualTo(204);

    assertThat(replicas)
        .extracting(r -> r.bootstrapTokens().identityOf(token))
        .containsOnly(Optional.empty());
  }
}
