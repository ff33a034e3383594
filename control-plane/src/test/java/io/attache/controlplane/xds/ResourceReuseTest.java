package io.attache.controlplane.xds;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DefaultExecutorGroup;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A push re-uses what it can over real ADS streams: resources that did not change keep their
 * version and the very bytes they were first served with, whichever node group asks.
 */
class ResourceReuseTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final java.time.Duration QUIET = java.time.Duration.ofMillis(50);

  private final ManualScheduler scheduler = new ManualScheduler();
  private final ResourceVersionCache versions = new ResourceVersionCache();
  private SnapshotPublisher publisher;
  private XdsServer server;

  @BeforeEach
  void startServer() throws Exception {
    SimpleCache<ProxyGroup> cache = new SimpleCache<>(ProxyGroup::of);
    publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(),
            SecretSource.NONE,
            versions,
            scheduler,
            QUIET,
            java.time.Duration.ofMillis(500),
            policy(service("orders", 9001), service("users", 9002)));
    server =
        XdsServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new V3DiscoveryServer(
                List.of(new ProxyStatusTracker(Clock.systemUTC())),
                cache,
                new DefaultExecutorGroup(),
                new ResourceBytesSerializer(versions)),
            publisher);
  }

  @AfterEach
  void stopServer() {
    server.close();
    assertThat(scheduler.pendingDelays()).isEmpty();
  }

  @Test
  void aWriteThatChangesOneServiceHashesAndSerialisesOnlyItsCluster() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p1", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse before = client.next();
      client.ack(before);
      long computedBefore = versions.computedCount();

      publisher.policyChanged(policy(service("orders", 9001), slower(service("users", 9002))));
      scheduler.advance(QUIET);
      DiscoveryResponse after = client.next();

      assertThat(versions.computedCount() - computedBefore).isEqualTo(1);
      assertThat(after.getVersionInfo()).isNotEqualTo(before.getVersionInfo());
      assertThat(packedCluster(after, "orders").getValue())
          .isEqualTo(packedCluster(before, "orders").getValue());
      assertThat(packedCluster(after, "users").unpack(Cluster.class).getConnectTimeout())
          .isEqualTo(Duration.newBuilder().setSeconds(3).build());
    }
  }

  @Test
  void aSecondNodeGroupWithTheSameResourcesAddsNothingToHashOrSerialise() throws Exception {
    try (AdsTestClient web = new AdsTestClient(server.port(), AdsTestClient.node("p1", "web"));
        AdsTestClient billing =
            new AdsTestClient(server.port(), AdsTestClient.node("p2", "billing"))) {
      web.request(CDS, "", "", List.of());
      DiscoveryResponse webClusters = web.next();
      long computed = versions.computedCount();
      int known = versions.size();

      billing.request(CDS, "", "", List.of());
      DiscoveryResponse billingClusters = billing.next();

      assertThat(versions.computedCount()).isEqualTo(computed);
      assertThat(versions.size()).isEqualTo(known);
      assertThat(billingClusters.getResourcesList()).isEqualTo(webClusters.getResourcesList());
    }
  }

  @Test
  void aResourceNoSnapshotHoldsAnyMoreIsForgottenWhenThePushEnds() throws Exception {
    try (AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p1", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse before = client.next();
      client.ack(before);
      Cluster users = packedCluster(before, "users").unpack(Cluster.class);
      assertThat(versions.packed(users)).isNotNull();

      publisher.policyChanged(policy(service("orders", 9001)));
      scheduler.advance(QUIET);
      DiscoveryResponse after = client.next();

      assertThat(after.getResourcesList())
          .extracting(any -> any.unpack(Cluster.class).getName())
          .containsExactly("orders");
      assertThat(versions.packed(users)).isNull();
    }
  }

  private static Service slower(Service service) {
    return service.toBuilder().setConnectTimeout(Duration.newBuilder().setSeconds(3)).build();
  }

  private static Any packedCluster(DiscoveryResponse response, String name) throws Exception {
    for (Any any : response.getResourcesList()) {
      if (any.unpack(Cluster.class).getName().equals(name)) {
        return any;
      }
    }
    throw new AssertionError("no cluster " + name + " in " + response);
  }
}
