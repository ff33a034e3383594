package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ORIGINAL_DST clusters: a host per original destination, made on use, swept when idle. */
class OriginalDstClusterTest {
  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final UpstreamContext context =
      new UpstreamContext(stats, new FakeDnsResolver(), scheduler, RandomSource.seeded(1));

  private static Cluster.Builder passthrough() {
    return Cluster.newBuilder()
        .setName("PassthroughCluster")
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
  }

  private UpstreamCluster start(Cluster.Builder proto) throws ConfigException {
    UpstreamCluster cluster =
        ClusterManager.newCluster(ClusterDefinition.from(proto.build(), "clusters[0]"), context);
    cluster.start();
    return cluster;
  }

  private static LbContext downstream(String restored, Map<String, String> headers) {
    return LbContext.NONE.withDownstream(
        new LbContext.Downstream() {
          @Override
          public Optional<InetSocketAddress> restoredLocalAddress() {
            return Optional.ofNullable(restored).map(OriginalDstHosts::ipAndPort);
          }

          @Override
          public Optional<String> requestHeader(String name) {
            return Optional.ofNullable(headers.get(name));
          }
        });
  }

  private static String pick(UpstreamCluster cluster, LbContext lbContext) {
    return cluster.loadBalancer().chooseHost(lbContext).map(Host::addressString).orElse("none");
  }

  @Test
  void picksTheOriginalDestinationAndKeepsOneHostPerAddress() throws ConfigException {
    try (UpstreamCluster cluster = start(passthrough())) {
      assertThat(cluster.initialized()).isCompleted();
      assertThat(cluster.prioritySet().allHosts()).isEmpty();

      assertThat(pick(cluster, downstream("10.96.0.10:8080", Map.of())))
          .isEqualTo("10.96.0.10:8080");
      Host first = cluster.loadBalancer().chooseHost(downstream("10.96.0.10:8080", Map.of())).get();
      assertThat(pick(cluster, downstream("10.96.0.11:80", Map.of()))).isEqualTo("10.96.0.11:80");

      assertThat(cluster.loadBalancer().chooseHost(downstream("10.96.0.10:8080", Map.of())).get())
          .isSameAs(first);
      assertThat(cluster.prioritySet().allHosts())
          .extracting(Host::addressString)
          .containsExactlyInAnyOrder("10.96.0.10:8080", "10.96.0.11:80");
      assertThat(stats.gauge("cluster.PassthroughCluster.membership_total").value()).isEqualTo(2);
    }
  }

  @Test
  void hasNoHostForAConnectionWhoseDestinationWasNotRestored() throws ConfigException {
    try (UpstreamCluster cluster = start(passthrough())) {
      assertThat(pick(cluster, LbContext.NONE)).isEqualTo("none");
      assertThat(pick(cluster, downstream(null, Map.of()))).isEqualTo("none");
      assertThat(cluster.prioritySet().allHosts()).isEmpty();
    }
  }

  @Test
  void theOverrideHeaderWinsAndAnInvalidOneIsCountedAndIgnored() throws ConfigException {
    Cluster.Builder proto =
        passthrough()
            .setOriginalDstLbConfig(
                Cluster.OriginalDstLbConfig.newBuilder().setUseHttpHeader(true));
    try (UpstreamCluster cluster = start(proto)) {
      assertThat(
              pick(
                  cluster,
                  downstream(
                      "10.96.0.10:8080", Map.of("x-envoy-original-dst-host", "10.1.0.7:9090"))))
          .isEqualTo("10.1.0.7:9090");
      assertThat(
              pick(
                  cluster,
                  downstream("10.96.0.10:8080", Map.of("x-envoy-original-dst-host", "payments"))))
          .as("a name is not an address: the original destination is used")
          .isEqualTo("10.96.0.10:8080");
      assertThat(stats.counter("cluster.PassthroughCluster.original_dst_host_invalid").value())
          .isEqualTo(1);
      assertThat(
              pick(cluster, downstream(null, Map.of("x-envoy-original-dst-host", "[fd00::7]:80"))))
          .isEqualTo("[fd00::7]:80");
    }
  }

  @Test
  void aNamedHeaderAndThePortOverrideApply() throws ConfigException {
    Cluster.Builder proto =
        passthrough()
            .setOriginalDstLbConfig(
                Cluster.OriginalDstLbConfig.newBuilder()
                    .setUseHttpHeader(true)
                    .setHttpHeaderName("X-Target")
                    .setUpstreamPortOverride(UInt32Value.of(15006)));
    try (UpstreamCluster cluster = start(proto)) {
      assertThat(pick(cluster, downstream(null, Map.of("x-target", "10.1.0.7:9090"))))
          .isEqualTo("10.1.0.7:15006");
      assertThat(pick(cluster, downstream("10.96.0.10:8080", Map.of())))
          .isEqualTo("10.96.0.10:15006");
    }
  }

  @Test
  void dropsAHostNotPickedForAWholeCleanupIntervalAndNotInUse() throws ConfigException {
    Cluster.Builder proto =
        passthrough().setCleanupInterval(com.google.protobuf.Duration.newBuilder().setSeconds(2));
    try (UpstreamCluster cluster = start(proto)) {
      assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(2));
      Host idle = cluster.loadBalancer().chooseHost(downstream("10.0.0.1:80", Map.of())).get();
      Host busy = cluster.loadBalancer().chooseHost(downstream("10.0.0.2:80", Map.of())).get();
      busy.stats().onConnectionOpened();

      scheduler.runPending(); // both were picked in this interval: kept, marked unused
      assertThat(cluster.prioritySet().allHosts()).containsExactlyInAnyOrder(idle, busy);

      scheduler
          .runPending(); // not picked since: the idle one goes, the one with a connection stays
      assertThat(cluster.prioritySet().allHosts()).containsExactly(busy);
      assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(2));

      Host again = cluster.loadBalancer().chooseHost(downstream("10.0.0.1:80", Map.of())).get();
      assertThat(again).as("a new host for the address").isNotSameAs(idle);
      assertThat(cluster.prioritySet().allHosts()).containsExactlyInAnyOrder(busy, again);
    }
    assertThat(scheduler.pendingDelays()).as("closing stops the sweep").isEmpty();
  }

  @Test
  void refusesWhatEnvoyRefuses() {
    assertThatThrownBy(() -> start(passthrough().setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("clusters[0].lb_policy")
        .hasMessageContaining(
            "Only 'CLUSTER_PROVIDED' is allowed with cluster type 'ORIGINAL_DST'");
    assertThatThrownBy(
            () ->
                start(
                    passthrough()
                        .setLoadAssignment(
                            ClusterLoadAssignment.newBuilder()
                                .setClusterName("PassthroughCluster"))))
        .hasMessageContaining("clusters[0].load_assignment")
        .hasMessageContaining("must have no load assignment");
    assertThatThrownBy(
            () ->
                start(
                    passthrough()
                        .setOriginalDstLbConfig(
                            Cluster.OriginalDstLbConfig.newBuilder()
                                .setHttpHeaderName("x-target"))))
        .hasMessageContaining("original_dst_lb_config.http_header_name")
        .hasMessageContaining("use_http_header is false");
    assertThatThrownBy(
            () ->
                start(
                    Cluster.newBuilder()
                        .setName("web")
                        .setType(Cluster.DiscoveryType.STATIC)
                        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)))
        .hasMessageContaining("clusters[0].lb_policy")
        .hasMessageContaining("CLUSTER_PROVIDED is not valid for Cluster type STATIC");
  }
}
