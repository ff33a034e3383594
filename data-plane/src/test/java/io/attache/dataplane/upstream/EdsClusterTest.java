package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import org.junit.jupiter.api.Test;

/** EDS clusters: hosts arrive as ClusterLoadAssignments and keep their state across updates. */
class EdsClusterTest {
  private final StatsStore stats = new StatsStore();
  private final UpstreamContext context =
      new UpstreamContext(
          stats, new FakeDnsResolver(), new ManualScheduler(), RandomSource.seeded(1));

  private static ClusterDefinition eds(String name) throws ConfigException {
    return ClusterDefinition.from(
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.EDS)
            .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
            .build(),
        "clusters[0]");
  }

  private static ClusterLoadAssignment assignment(String... ips) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (String ip : ips) {
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder().setAddress(ip).setPortValue(80)))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName("svc").addEndpoints(locality).build();
  }

  private static ClusterDefinition.LoadAssignment parsed(ClusterLoadAssignment cla)
      throws ConfigException {
    return ClusterDefinition.loadAssignmentFrom(cla, "cluster_load_assignments[0]");
  }

  @Test
  void startsWithNoHostsUntilItsFirstAssignment() throws ConfigException {
    try (UpstreamCluster cluster = ClusterManager.newCluster(eds("svc"), context)) {
      cluster.start();

      assertThat(cluster.definition().type()).isEqualTo(ClusterDefinition.DiscoveryType.EDS);
      assertThat(cluster.prioritySet().allHosts()).isEmpty();
      assertThat(cluster.initialized()).isNotCompleted();

      cluster.updateLoadAssignment(parsed(assignment("10.0.0.1")));

      assertThat(cluster.initialized()).isCompleted();
      assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE).orElseThrow().addressString())
          .isEqualTo("10.0.0.1:80");
      assertThat(stats.gauge("cluster.svc.membership_total").value()).isEqualTo(1);
    }
  }

  @Test
  void keepsStatsAndFlagsOfAHostWhoseAddressStays() throws ConfigException {
    try (UpstreamCluster cluster = ClusterManager.newCluster(eds("svc"), context)) {
      cluster.start();
      cluster.updateLoadAssignment(parsed(assignment("10.0.0.1", "10.0.0.2")));
      Host kept = cluster.prioritySet().allHosts().get(0);
      cluster.setHealthFlag(kept, HealthFlag.FAILED_OUTLIER_CHECK);

      cluster.updateLoadAssignment(parsed(assignment("10.0.0.1", "10.0.0.3")));

      Host after = cluster.prioritySet().allHosts().get(0);
      assertThat(after.address()).isEqualTo(kept.address());
      assertThat(after.stats()).isSameAs(kept.stats());
      assertThat(after.healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK)).isTrue();
      assertThat(cluster.prioritySet().allHosts())
          .extracting(h -> h.address().getAddress().getHostAddress())
          .containsExactly("10.0.0.1", "10.0.0.3");
    }
  }

  @Test
  void refusesHostnamesInAnAssignmentNamingTheField() {
    assertThatThrownBy(() -> parsed(assignment("backend.local")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "cluster_load_assignments[0].endpoints[0].lb_endpoints[0].endpoint.address"
                + ".socket_address.address");
  }

  @Test
  void refusesAnAssignmentForANonEdsCluster() throws ConfigException {
    ClusterDefinition staticCluster =
        ClusterDefinition.from(ClusterDefinitionTest.cluster("s", "10.0.0.1").build(), "c");
    try (UpstreamCluster cluster = ClusterManager.newCluster(staticCluster, context)) {
      assertThatThrownBy(() -> cluster.updateLoadAssignment(parsed(assignment("10.0.0.2"))))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
