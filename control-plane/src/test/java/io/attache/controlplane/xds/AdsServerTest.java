package io.attache.controlplane.xds;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.translate.ClientKind;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdsServerTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final ProxyStatusTracker tracker = new ProxyStatusTracker(Clock.systemUTC());
  private SnapshotPublisher publisher;
  private SimpleCache<ProxyGroup> cache;
  private XdsServer server;

  @BeforeEach
  void startServer() throws Exception {
    cache = new SimpleCache<>(ProxyGroup::of);
    publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(),
            scheduler,
            java.time.Duration.ofMillis(50),
            java.time.Duration.ofMillis(500),
            policy(service("orders", 9001), service("users", 9002)));
    server =
        XdsServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new V3DiscoveryServer(List.of(tracker), cache),
            publisher);
  }

  @AfterEach
  void stopServer() {
    server.close();
    assertThat(scheduler.pendingDelays()).isEmpty();
  }

  @Test
  void servesTheInitialSnapshotToANewProxyAndRecordsItsAck() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p1", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse clusters = client.next();

      assertThat(clusters.getResourcesList())
          .extracting(any -> any.unpack(Cluster.class).getName())
          .containsExactly("orders", "users");
      client.ack(clusters);

      await()
          .untilAsserted(
              () ->
                  assertThat(tracker.proxy("p1").orElseThrow().types().get(CDS).lastAckedVersion())
                      .isEqualTo(clusters.getVersionInfo()));
      ProxyStatus status = tracker.proxy("p1").orElseThrow();
      assertThat(status.cluster()).isEqualTo("web");
      assertThat(status.types().get(CDS).lastSentVersion()).isEqualTo(clusters.getVersionInfo());
      assertThat(status.types().get(CDS).lastNack()).isNull();
    }
  }

  @Test
  void recordsANackWithItsErrorDetail() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p2", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse clusters = client.next();

      client.nack(clusters, "", "cluster orders: unsupported lb_policy");

      await()
          .untilAsserted(
              () -> {
                ProxyStatus.Nack nack =
                    tracker.proxy("p2").orElseThrow().types().get(CDS).lastNack();
                assertThat(nack).isNotNull();
                assertThat(nack.errorDetail()).isEqualTo("cluster orders: unsupported lb_policy");
                assertThat(nack.version()).isEqualTo(clusters.getVersionInfo());
                assertThat(nack.nonce()).isEqualTo(clusters.getNonce());
              });
      assertThat(tracker.proxy("p2").orElseThrow().types().get(CDS).lastAckedVersion()).isEmpty();
    }
  }

  @Test
  void resendsOnlyTheTypesAChangeTouchesOverStateOfTheWorld() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p3", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse clusters = client.next();
      client.ack(clusters);
      client.request(EDS, "", "", List.of("orders", "users"));
      DiscoveryResponse endpoints = client.next();
      client.ack(endpoints, List.of("orders", "users"));
      client.request(LDS, "", "", List.of());
      DiscoveryResponse listeners = client.next();
      client.ack(listeners);
      client.request(RDS, "", "", List.of("outbound"));
      DiscoveryResponse routes = client.next();
      client.ack(routes, List.of("outbound"));
      await()
          .untilAsserted(
              () ->
                  assertThat(tracker.proxy("p3").orElseThrow().types().get(RDS).lastAckedVersion())
                      .isNotEmpty());

      Service slower =
          service("users", 9002).toBuilder()
              .setConnectTimeout(Duration.newBuilder().setSeconds(3))
              .build();
      publisher.policyChanged(policy(service("orders", 9001), slower));
      scheduler.advance(java.time.Duration.ofMillis(50));

      DiscoveryResponse changedClusters = client.next();
      assertThat(changedClusters.getTypeUrl()).isEqualTo(CDS);
      assertThat(changedClusters.getVersionInfo()).isNotEqualTo(clusters.getVersionInfo());
      client.ack(changedClusters);

      // A second change touching only endpoints: on an ordered stream, the next response being
      // EDS proves no LDS/RDS response was sent for the first change.
      publisher.policyChanged(policy(service("orders", 9001, 9003), slower));
      scheduler.advance(java.time.Duration.ofMillis(50));
      DiscoveryResponse changedEndpoints = client.next();
      assertThat(changedEndpoints.getTypeUrl()).isEqualTo(EDS);
    }
  }

  @Test
  void sendsOnlyChangedResourcesOverDelta() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p4", "web"))) {
      client.deltaSubscribe(CDS, List.of());
      DeltaDiscoveryResponse initial = client.nextDelta();
      assertThat(initial.getResourcesList())
          .extracting(Resource::getName)
          .containsExactlyInAnyOrder("orders", "users");
      String ordersVersion = versionOf(initial, "orders");
      String usersVersion = versionOf(initial, "users");
      client.deltaAck(initial);
      await()
          .untilAsserted(
              () ->
                  assertThat(tracker.proxy("p4").orElseThrow().types().get(CDS).lastAckedVersion())
                      .isNotEmpty());

      Service slower =
          service("users", 9002).toBuilder()
              .setConnectTimeout(Duration.newBuilder().setSeconds(3))
              .build();
      publisher.policyChanged(policy(service("orders", 9001), slower));
      scheduler.advance(java.time.Duration.ofMillis(50));

      DeltaDiscoveryResponse update = client.nextDelta();
      assertThat(update.getResourcesList()).extracting(Resource::getName).containsExactly("users");
      assertThat(versionOf(update, "users")).isNotEqualTo(usersVersion);
      assertThat(ordersVersion).isNotEqualTo(usersVersion);
      client.deltaAck(update);

      publisher.policyChanged(policy(slower));
      scheduler.advance(java.time.Duration.ofMillis(50));
      assertThat(client.nextDelta().getRemovedResourcesList()).containsExactly("orders");
    }
  }

  @Test
  void aGroupsLastStreamEndingDropsItsSnapshotAndItsServedHistory() {
    ProxyGroup group = new ProxyGroup("leaving", ClientKind.PROXY);
    publisher.streamOpened(group);
    publisher.streamOpened(group);
    publisher.streamClosed(group);
    assertThat(cache.getSnapshot(group)).isNotNull();
    assertThat(publisher.current(group)).isPresent();

    publisher.streamClosed(group);

    assertThat(cache.getSnapshot(group)).isNull();
    assertThat(publisher.current(group)).isEmpty();
    assertThat(publisher.nodeGroups()).isZero();
  }

  @Test
  void coalescesABurstOfChangesIntoOnePushAfterTheQuietPeriod() {
    PolicySnapshot one = policy(service("a", 1));
    publisher.policyChanged(one);
    scheduler.advance(java.time.Duration.ofMillis(10));
    publisher.policyChanged(policy(service("b", 1)));
    scheduler.advance(java.time.Duration.ofMillis(10));
    publisher.policyChanged(policy(service("c", 1)));

    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofMillis(50));
    scheduler.advance(java.time.Duration.ofMillis(49));
    assertThat(publisher.pushCount()).isZero();
    scheduler.advance(java.time.Duration.ofMillis(1));
    assertThat(publisher.pushCount()).isEqualTo(1);
    assertThat(publisher.currentPolicy().services()).containsOnlyKeys("c");
  }

  @Test
  void pushesNoLaterThanTheMaximumDelayWhileChangesKeepComing() {
    for (int i = 0; i < 15; i++) {
      publisher.policyChanged(policy(service("s" + i, 1)));
      scheduler.advance(java.time.Duration.ofMillis(40));
    }

    assertThat(publisher.pushCount()).isEqualTo(1);
    // The burst starting at 0 pushed at 500 ms although changes never paused; the changes at 520
    // and 560 ms started a new burst, due 50 ms after the last of them.
    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofMillis(10));
    scheduler.advance(java.time.Duration.ofMillis(10));
    assertThat(publisher.pushCount()).isEqualTo(2);
  }

  @Test
  void keepsAcksWithoutANodeInTheNodeGroupOfTheirStream() throws Exception {
    try (AdsTestClient client =
        new AdsTestClient(server.port(), AdsTestClient.node("p5", "billing"))) {
      client.request(CDS, "", "", List.of());
      client.ack(client.next());
      await()
          .untilAsserted(
              () ->
                  assertThat(tracker.proxy("p5").orElseThrow().types().get(CDS).lastAckedVersion())
                      .isNotEmpty());

      assertThat(cache.groups()).containsExactly(new ProxyGroup("billing", ClientKind.PROXY));
    }
  }

  @Test
  void givesProxylessGrpcClientsAnApiListenerNamedAfterTheirTarget() throws Exception {
    Node grpcNode =
        Node.newBuilder().setId("g1").setCluster("billing").setUserAgentName("gRPC Java").build();
    try (AdsTestClient client = new AdsTestClient(server.port(), grpcNode)) {
      client.request(LDS, "", "", List.of("orders"));
      DiscoveryResponse listeners = client.next();

      Listener listener = listeners.getResources(0).unpack(Listener.class);
      assertThat(listener.getName()).isEqualTo("orders");
      assertThat(listener.hasApiListener()).isTrue();
      assertThat(listeners.getResourcesCount()).isEqualTo(1);
    }
  }

  private static String versionOf(DeltaDiscoveryResponse response, String name) {
    return response.getResourcesList().stream()
        .filter(r -> r.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getVersion();
  }
}
