package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterManagerTest {
  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final UpstreamContext context =
      new UpstreamContext(
          stats, new FakeDnsResolver(), scheduler, new ScriptedRandom().then(0, 0, 0, 0));

  @Test
  void buildsStaticClustersFromTheBootstrap() throws ConfigException {
    Bootstrap bootstrap =
        Bootstrap.newBuilder()
            .setStaticResources(
                Bootstrap.StaticResources.newBuilder()
                    .addClusters(ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2"))
                    .addClusters(ClusterDefinitionTest.cluster("auth", "10.0.1.1")))
            .build();

    try (ClusterManager manager = ClusterManager.fromBootstrap(bootstrap, context)) {
      manager.start();
      UpstreamCluster backend = manager.cluster("backend").orElseThrow();

      assertThat(manager.clusters())
          .extracting(UpstreamCluster::name)
          .containsExactly("backend", "auth");
      assertThat(manager.initialized()).isCompleted();
      assertThat(backend.definition().name()).isEqualTo("backend");
      assertThat(backend.loadBalancer().chooseHost(LbContext.NONE).orElseThrow().addressString())
          .isEqualTo("10.0.0.1:8080");
      assertThat(backend.loadBalancer().chooseHost(LbContext.NONE).orElseThrow().addressString())
          .isEqualTo("10.0.0.2:8080");
      assertThat(stats.gauge("cluster.backend.membership_total").value()).isEqualTo(2);
      assertThat(stats.gauge("cluster.auth.membership_total").value()).isEqualTo(1);
      assertThat(scheduler.pending()).isEmpty();
    }
  }

  @Test
  void answersEmptyForAnUnknownCluster() throws ConfigException {
    try (ClusterManager manager =
        ClusterManager.create(List.of(), "static_resources.clusters", context)) {
      assertThat(manager.cluster("nope")).isEmpty();
    }
  }

  @Test
  void rejectsADuplicateClusterName() {
    List<Cluster> clusters =
        List.of(
            ClusterDefinitionTest.cluster("backend", "10.0.0.1").build(),
            ClusterDefinitionTest.cluster("backend", "10.0.0.2").build());

    assertThatThrownBy(() -> ClusterManager.create(clusters, "static_resources.clusters", context))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("duplicate cluster name 'backend'")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("static_resources.clusters[1].name");
  }

  @Test
  void createsNoStatsWhenAnyClusterIsInvalid() {
    List<Cluster> clusters =
        List.of(
            ClusterDefinitionTest.cluster("backend", "10.0.0.1").build(),
            ClusterDefinitionTest.cluster("", "10.0.0.2").build());

    assertThatThrownBy(() -> ClusterManager.create(clusters, "static_resources.clusters", context))
        .hasMessageStartingWith("static_resources.clusters[1].name");
    assertThat(stats.counters()).isEmpty();
  }

  @Test
  void countsHealthyAndDegradedMembersAndMaxWeight() throws ConfigException {
    Cluster.Builder cluster = ClusterDefinitionTest.cluster("backend");
    cluster
        .getLoadAssignmentBuilder()
        .setEndpoints(
            0,
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(ClusterDefinitionTest.endpoint("10.0.0.1", 80))
                .addLbEndpoints(
                    ClusterDefinitionTest.endpoint("10.0.0.2", 80).toBuilder()
                        .setHealthStatus(HealthStatus.DEGRADED)
                        .setLoadBalancingWeight(com.google.protobuf.UInt32Value.of(7)))
                .addLbEndpoints(
                    ClusterDefinitionTest.endpoint("10.0.0.3", 80).toBuilder()
                        .setHealthStatus(HealthStatus.UNHEALTHY)));

    try (ClusterManager manager =
        ClusterManager.create(List.of(cluster.build()), "clusters", context)) {
      manager.start();

      assertThat(stats.gauge("cluster.backend.membership_total").value()).isEqualTo(3);
      assertThat(stats.gauge("cluster.backend.membership_healthy").value()).isEqualTo(1);
      assertThat(stats.gauge("cluster.backend.membership_degraded").value()).isEqualTo(1);
      assertThat(stats.gauge("cluster.backend.max_host_weight").value()).isEqualTo(7);
    }
  }

  private static Cluster allUnhealthy(Cluster.Builder cluster) {
    cluster
        .getLoadAssignmentBuilder()
        .setEndpoints(
            0,
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    ClusterDefinitionTest.endpoint("10.0.0.1", 80).toBuilder()
                        .setHealthStatus(HealthStatus.UNHEALTHY))
                .addLbEndpoints(
                    ClusterDefinitionTest.endpoint("10.0.0.2", 80).toBuilder()
                        .setHealthStatus(HealthStatus.UNHEALTHY)));
    return cluster.build();
  }

  @Test
  void routesToAllHostsInPanicAndCountsIt() throws ConfigException {
    Cluster cluster = allUnhealthy(ClusterDefinitionTest.cluster("backend"));

    try (ClusterManager manager = ClusterManager.create(List.of(cluster), "clusters", context)) {
      manager.start();

      assertThat(manager.cluster("backend").orElseThrow().loadBalancer().chooseHost(LbContext.NONE))
          .isPresent();
      assertThat(stats.counter("cluster.backend.lb_healthy_panic").value()).isEqualTo(1);
    }
  }

  @Test
  void failsFastWithNoHostWhenThePanicThresholdIsZero() throws ConfigException {
    Cluster cluster =
        allUnhealthy(
            ClusterDefinitionTest.cluster("backend")
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(
                            io.envoyproxy.envoy.type.v3.Percent.newBuilder().setValue(0.4))));

    try (ClusterManager manager = ClusterManager.create(List.of(cluster), "clusters", context)) {
      manager.start();

      // 0.4% rounds to 0, as Envoy rounds the threshold: panic is off.
      assertThat(manager.cluster("backend").orElseThrow().loadBalancer().chooseHost(LbContext.NONE))
          .isEmpty();
      assertThat(stats.counter("cluster.backend.lb_healthy_panic").value()).isZero();
    }
  }
}
