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
import io.attache.controlplane.testing.MutableClock;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.ProxyStatusTracker;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.BuildVersion;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.SemanticVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sync status over real ADS streams: each proxy's verdict per type against the store revision its
 * snapshot was built from, the summary per revision, the metrics, and Envoy's structured build
 * version. Time is a {@link MutableClock}: STALE is reached by advancing it, never by waiting.
 */
class SyncStatusApiTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private final MutableClock clock = new MutableClock(Instant.now());
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
                Duration.ofMillis(10),
                Duration.ofMillis(50)),
            scheduler,
            clock);
    rest = new RestClient(controlPlane.httpPort());
    putService("orders", "1s"); // revision 1
  }

  @AfterEach
  void stop() {
    clients.forEach(AdsTestClient::close);
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void aProxyThatAckedTheCurrentSnapshotIsSyncedAtTheHeadRevision() throws Exception {
    AdsTestClient proxy = client(AdsTestClient.node("web-1", "web"));
    proxy.request(CDS, "", "", List.of());
    proxy.ack(proxy.next());

    await().untilAsserted(() -> assertThat(proxyVerdict("web-1")).isEqualTo("SYNCED"));
    JsonNode status = json(rest.get("/api/v1/status"));
    assertThat(status.get("summary").get("text").asText())
        .isEqualTo("revision 1: 1 of 1 proxy synced");
    JsonNode item = status.get("items").get(0);
    assertThat(item.get("revision").asLong()).isEqualTo(1);
    assertThat(item.get("types").get("Cluster").get("acked_revision").asLong()).isEqualTo(1);
    assertThat(rest.get("/metrics").body())
        .contains("attache_cp_xds_proxies{verdict=\"SYNCED\"} 1");
  }

  @Test
  void sentButNotAckedIsPendingThenStaleAfterTheThreshold() throws Exception {
    AdsTestClient proxy = client(AdsTestClient.node("web-1", "web"));
    proxy.request(CDS, "", "", List.of());
    proxy.ack(proxy.next());

    putService("orders", "2s"); // revision 2: the cluster changes
    DiscoveryResponse update = proxy.next();

    await()
        .untilAsserted(
            () -> {
              JsonNode cds = json(rest.get("/api/v1/proxies/web-1")).get("types").get(CDS);
              assertThat(cds.get("verdict").asText()).isEqualTo("PENDING");
              assertThat(cds.get("sent_revision").asLong()).isEqualTo(2);
              assertThat(cds.get("acked_revision").asLong()).isEqualTo(1);
            });
    clock.advance(ProxyStatusTracker.DEFAULT_STALE_AFTER.plusSeconds(1));
    assertThat(proxyVerdict("web-1")).isEqualTo("STALE");
    assertThat(json(rest.get("/api/v1/status")).get("summary").get("text").asText())
        .isEqualTo("revision 2: 0 of 1 proxy synced, 1 STALE");

    proxy.ack(update);
    await().untilAsserted(() -> assertThat(proxyVerdict("web-1")).isEqualTo("SYNCED"));
  }

  @Test
  void aRefusedResponseIsNackedWithTheProxysError() throws Exception {
    AdsTestClient proxy = client(AdsTestClient.node("web-1", "web"));
    proxy.request(CDS, "", "", List.of());
    DiscoveryResponse first = proxy.next();
    proxy.ack(first);
    putService("orders", "2s");
    proxy.nack(proxy.next(), first.getVersionInfo(), "cluster orders: unsupported field");

    await().untilAsserted(() -> assertThat(proxyVerdict("web-1")).isEqualTo("NACKED"));
    JsonNode cluster =
        json(rest.get("/api/v1/status")).get("items").get(0).get("types").get("Cluster");
    assertThat(cluster.get("error").asText()).isEqualTo("cluster orders: unsupported field");
    assertThat(cluster.get("acked_revision").asLong()).isEqualTo(1);
    assertThat(json(rest.get("/api/v1/status")).get("summary").get("nacked").asInt()).isEqualTo(1);
  }

  @Test
  void aTypeARevisionDidNotChangeIsSyncedAtThatRevisionWithoutBeingResent() throws Exception {
    AdsTestClient proxy = client(AdsTestClient.node("web-1", "web"));
    proxy.request(RDS, "", "", List.of("outbound"));
    proxy.ack(proxy.next(), List.of("outbound"));
    proxy.request(CDS, "", "", List.of());
    proxy.ack(proxy.next());

    // Revision 2 changes only the routes (a route timeout); the clusters are not re-sent.
    assertThat(rest.patch("/api/v1/defaults", "{\"route_timeout\": \"7s\"}").statusCode())
        .isEqualTo(200);
    proxy.ack(proxy.next(), List.of("outbound"));

    await()
        .untilAsserted(
            () -> {
              JsonNode item = json(rest.get("/api/v1/status")).get("items").get(0);
              assertThat(item.get("verdict").asText()).isEqualTo("SYNCED");
              assertThat(item.get("revision").asLong()).isEqualTo(2);
              assertThat(item.get("types").get("Cluster").get("acked_revision").asLong())
                  .isEqualTo(2);
            });
    assertThat(proxy.unreadResponses()).isZero();
  }

  @Test
  void aDeltaStreamIsTrackedToo() throws Exception {
    AdsTestClient proxy = client(AdsTestClient.node("pay-1", "payments"));
    proxy.deltaSubscribe(CDS, List.of("*"));
    DeltaDiscoveryResponse clusters = proxy.nextDelta();
    proxy.deltaAck(clusters);

    await().untilAsserted(() -> assertThat(proxyVerdict("pay-1")).isEqualTo("SYNCED"));
    assertThat(json(rest.get("/api/v1/status")).get("items").get(0).get("revision").asLong())
        .isEqualTo(1);
  }

  @Test
  void showsEnvoysStructuredBuildVersion() throws Exception {
    Node envoy =
        AdsTestClient.node("envoy-1", "web").toBuilder()
            .setUserAgentBuildVersion(
                BuildVersion.newBuilder()
                    .setVersion(
                        SemanticVersion.newBuilder()
                            .setMajorNumber(1)
                            .setMinorNumber(40)
                            .setPatch(0))
                    .setMetadata(
                        Struct.newBuilder()
                            .putFields(
                                "revision.sha",
                                Value.newBuilder()
                                    .setStringValue("0123456789abcdef0123456789abcdef01234567")
                                    .build())
                            .putFields(
                                "build.type",
                                Value.newBuilder().setStringValue("RELEASE").build())))
            .build();
    AdsTestClient proxy = client(envoy);
    proxy.request(CDS, "", "", List.of());
    proxy.ack(proxy.next());

    await()
        .untilAsserted(
            () ->
                assertThat(json(rest.get("/api/v1/proxies/envoy-1")).get("version").asText())
                    .isEqualTo("1.40.0 (0123456789ab, RELEASE)"));
  }

  private String proxyVerdict(String nodeId) {
    return json(rest.get("/api/v1/proxies/" + nodeId)).get("verdict").asText();
  }

  private void putService(String name, String connectTimeout) {
    assertThat(
            rest.put(
                    "/api/v1/services/" + name,
                    "{\"port\": 8080, \"endpoints\": [{\"address\": \"10.0.0.1\", \"port\": 9001}],"
                        + " \"connect_timeout\": \""
                        + connectTimeout
                        + "\"}")
                .statusCode())
        .isBetween(200, 201);
  }

  private AdsTestClient client(Node node) {
    AdsTestClient client = new AdsTestClient(controlPlane.xdsPort(), node);
    clients.add(client);
    return client;
  }
}
