package io.attache.controlplane.xds;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import io.attache.api.policy.v1.RequestIdPolicy;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A NACK is never answered with what it refused, for every resource type, over state-of-the-world
 * and delta ADS: the refused resources go out again only when the policy changes them — one NACK
 * per change. A real gRPC client that NACKs by hand against the real xDS server and cache. Nothing
 * is proved by waiting: a stream is ordered, so after a NACK the client subscribes to a type it has
 * not asked for yet, and the response to that arriving first proves the server sent nothing for the
 * NACK (it answers a NACK, if at all, while handling it).
 */
class NackHoldTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  private static final String LDS = Resources.V3.LISTENER_TYPE_URL;
  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  private static final Service ORDERS = service("orders", 9001);
  private static final Service USERS = service("users", 9002);

  /** One type under test: how it is asked for, a change that touches it, and two other types. */
  enum Case {
    CLUSTERS(
        CDS,
        List.of(),
        policy(ORDERS, USERS.toBuilder().setConnectTimeout(seconds(3)).build()),
        LDS,
        List.of(),
        RDS,
        List.of("outbound")),
    ENDPOINTS(
        EDS,
        List.of("orders", "users"),
        policy(service("orders", 9001, 9003), USERS),
        LDS,
        List.of(),
        RDS,
        List.of("outbound")),
    LISTENERS(
        LDS,
        List.of(),
        withoutRequestIds(policy(ORDERS, USERS)),
        CDS,
        List.of(),
        RDS,
        List.of("outbound")),
    ROUTES(
        RDS,
        List.of("outbound"),
        policy(ORDERS, USERS.toBuilder().setTimeout(seconds(7)).build()),
        CDS,
        List.of(),
        LDS,
        List.of());

    final String type;
    final List<String> names;
    final PolicySnapshot change;
    final String firstOther;
    final List<String> firstOtherNames;
    final String secondOther;
    final List<String> secondOtherNames;

    Case(
        String type,
        List<String> names,
        PolicySnapshot change,
        String firstOther,
        List<String> firstOtherNames,
        String secondOther,
        List<String> secondOtherNames) {
      this.type = type;
      this.names = names;
      this.change = change;
      this.firstOther = firstOther;
      this.firstOtherNames = firstOtherNames;
      this.secondOther = secondOther;
      this.secondOtherNames = secondOtherNames;
    }
  }

  private final ManualScheduler scheduler = new ManualScheduler();
  private final ProxyStatusTracker tracker = new ProxyStatusTracker(Clock.systemUTC());
  private SnapshotPublisher publisher;
  private XdsServer server;
  private AdsTestClient client;

  @BeforeEach
  void startServer() throws Exception {
    SimpleCache<ProxyGroup> cache = new SimpleCache<>(ProxyGroup::of);
    NackHoldingWatcher nackHolding = new NackHoldingWatcher(cache);
    publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(),
            scheduler,
            java.time.Duration.ofMillis(50),
            java.time.Duration.ofMillis(500),
            policy(ORDERS, USERS));
    server =
        XdsServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new V3DiscoveryServer(List.of(tracker, nackHolding), nackHolding),
            publisher);
    client = new AdsTestClient(server.port(), AdsTestClient.node("nacker-1", "web"));
  }

  @AfterEach
  void stopServer() {
    client.close();
    server.close();
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void aStateOfTheWorldNackIsAnsweredOnlyByTheNextChangeOfItsType(Case c) throws Exception {
    client.request(c.type, "", "", c.names);
    DiscoveryResponse refused = client.next();
    client.nack(refused, "", "refused by the test", c.names);

    assertThat(typesUntil(c.firstOther, c.firstOtherNames)).doesNotContain(c.type);

    change(c.change);
    DiscoveryResponse changed = client.next();
    assertThat(changed.getTypeUrl()).isEqualTo(c.type);
    assertThat(changed.getVersionInfo()).isNotEqualTo(refused.getVersionInfo());
    client.nack(changed, "", "refused again by the test", c.names);

    assertThat(typesUntil(c.secondOther, c.secondOtherNames)).doesNotContain(c.type);
    assertThat(tracker.nackCount()).isEqualTo(2);
  }

  @ParameterizedTest
  @EnumSource(Case.class)
  void aDeltaNackIsAnsweredOnlyByTheNextChangeOfItsTypeWithAllTheClientLacks(Case c)
      throws Exception {
    client.deltaSubscribe(c.type, c.names);
    DeltaDiscoveryResponse refused = client.nextDelta();
    List<String> refusedNames = names(refused);
    client.deltaNack(refused, "refused by the test");

    assertThat(deltaTypesUntil(c.firstOther, c.firstOtherNames)).doesNotContain(c.type);

    change(c.change);
    DeltaDiscoveryResponse changed = client.nextDelta();
    assertThat(changed.getTypeUrl()).isEqualTo(c.type);
    // The client accepted nothing yet: it gets all of it again, as it now is.
    assertThat(names(changed)).containsExactlyInAnyOrderElementsOf(refusedNames);
    client.deltaNack(changed, "refused again by the test");

    assertThat(deltaTypesUntil(c.secondOther, c.secondOtherNames)).doesNotContain(c.type);
    assertThat(tracker.nackCount()).isEqualTo(2);
  }

  @Test
  void aStateOfTheWorldNackOfAVersionThePolicyAlreadyLeftIsAnsweredAtOnce() throws Exception {
    client.request(EDS, "", "", List.of("orders", "users"));
    DiscoveryResponse refused = client.next();
    change(Case.ENDPOINTS.change);

    client.nack(refused, "", "refused by the test", List.of("orders", "users"));

    DiscoveryResponse current = client.next();
    assertThat(current.getTypeUrl()).isEqualTo(EDS);
    assertThat(current.getVersionInfo()).isNotEqualTo(refused.getVersionInfo());
  }

  @Test
  void aDeltaNackOfAVersionThePolicyAlreadyLeftIsAnsweredAtOnce() throws Exception {
    client.deltaSubscribe(EDS, List.of("orders", "users"));
    DeltaDiscoveryResponse refused = client.nextDelta();
    change(Case.ENDPOINTS.change);

    client.deltaNack(refused, "refused by the test");

    DeltaDiscoveryResponse current = client.nextDelta();
    assertThat(current.getTypeUrl()).isEqualTo(EDS);
    assertThat(names(current)).containsExactlyInAnyOrder("orders", "users");
  }

  @Test
  void endpointsNewlyAskedForAndRefusedOverStateOfTheWorldAreNotSentAgainAtOnce() throws Exception {
    // The shape of the storm: the client ACKed some endpoints, asks for one more cluster's, and
    // refuses the answer. The refused names look newly asked for on every NACK.
    client.request(EDS, "", "", List.of("orders"));
    DiscoveryResponse accepted = client.next();
    client.ack(accepted, List.of("orders"));
    client.request(EDS, accepted.getVersionInfo(), accepted.getNonce(), List.of("orders", "users"));
    DiscoveryResponse refused = client.next();
    assertThat(refused.getResourcesCount()).isEqualTo(2);

    client.nack(refused, accepted.getVersionInfo(), "refused", List.of("orders", "users"));

    assertThat(typesUntil(LDS, List.of())).doesNotContain(EDS);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void change(PolicySnapshot next) {
    publisher.policyChanged(next);
    scheduler.advance(java.time.Duration.ofMillis(50));
  }

  /** Subscribes to {@code other} and returns the types received up to its first response. */
  private List<String> typesUntil(String other, List<String> names) throws Exception {
    client.request(other, "", "", names);
    List<String> types = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String type = client.next().getTypeUrl();
      if (type.equals(other)) {
        return types;
      }
      types.add(type);
    }
    throw new AssertionError("no " + other + " response among the next 10: " + types);
  }

  private List<String> deltaTypesUntil(String other, List<String> names) throws Exception {
    client.deltaSubscribe(other, names);
    List<String> types = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String type = client.nextDelta().getTypeUrl();
      if (type.equals(other)) {
        return types;
      }
      types.add(type);
    }
    throw new AssertionError("no " + other + " response among the next 10: " + types);
  }

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  private static Duration seconds(long seconds) {
    return Duration.newBuilder().setSeconds(seconds).build();
  }

  private static PolicySnapshot withoutRequestIds(PolicySnapshot policy) {
    return new PolicySnapshot(
        policy.revision(),
        policy.defaults().toBuilder()
            .setRequestId(RequestIdPolicy.newBuilder().setGenerateRequestId(BoolValue.of(false)))
            .build(),
        policy.services(),
        policy.routes(),
        policy.rawClusters(),
        policy.rawEndpoints(),
        policy.rawRoutes(),
        policy.rawListeners(),
        policy.authorizations());
  }
}
