package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.HealthFlags;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.host.PrioritySet;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HostHealthUpdateTest {
  private final StatsStore stats = new StatsStore();
  private final FakeDnsResolver dns = new FakeDnsResolver();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final UpstreamContext context =
      new UpstreamContext(stats, dns, scheduler, RandomSource.seeded(7));
  private ClusterManager manager;

  private UpstreamCluster start(Cluster.Builder cluster) throws ConfigException {
    manager = ClusterManager.create(List.of(cluster.build()), "static_resources.clusters", context);
    manager.start();
    return manager.cluster(cluster.getName()).orElseThrow();
  }

  private static Cluster.Builder withPanicThreshold(Cluster.Builder cluster, double percent) {
    return cluster.setCommonLbConfig(
        Cluster.CommonLbConfig.newBuilder()
            .setHealthyPanicThreshold(Percent.newBuilder().setValue(percent)));
  }

  private static HealthCheck tcpCheck() {
    return HealthCheck.newBuilder()
        .setTimeout(Duration.newBuilder().setSeconds(1))
        .setInterval(Duration.newBuilder().setSeconds(5))
        .setUnhealthyThreshold(UInt32Value.of(2))
        .setHealthyThreshold(UInt32Value.of(2))
        .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance())
        .build();
  }

  private static Set<String> picks(UpstreamCluster cluster, int n) {
    Set<String> seen = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      cluster.loadBalancer().chooseHost(LbContext.NONE).ifPresent(h -> seen.add(h.addressString()));
    }
    return seen;
  }

  private static Host host(UpstreamCluster cluster, String ip) {
    return cluster.prioritySet().allHosts().stream()
        .filter(h -> h.address().getAddress().getHostAddress().equals(ip))
        .findFirst()
        .orElseThrow();
  }

  @AfterEach
  void noTimerOutlivesTheManager() {
    if (manager != null) {
      manager.close();
      assertThat(scheduler.pending()).as("%s", scheduler).isEmpty();
    }
  }

  @Test
  void derivesCoarseHealthFromConfiguredHealthAndRuntimeFlagsAsEnvoyDoes() {
    HealthFlags flags = new HealthFlags();
    assertThat(flags.coarseHealth(HostHealth.HEALTHY)).isEqualTo(HostHealth.HEALTHY);
    assertThat(flags.coarseHealth(HostHealth.DEGRADED)).isEqualTo(HostHealth.DEGRADED);
    assertThat(flags.set(HealthFlag.DEGRADED_ACTIVE_HC)).isEqualTo(HealthFlags.Change.CHANGED);
    assertThat(flags.set(HealthFlag.DEGRADED_ACTIVE_HC)).isEqualTo(HealthFlags.Change.UNCHANGED);
    assertThat(flags.coarseHealth(HostHealth.HEALTHY)).isEqualTo(HostHealth.DEGRADED);
    flags.set(HealthFlag.FAILED_OUTLIER_CHECK);
    assertThat(flags.coarseHealth(HostHealth.HEALTHY)).isEqualTo(HostHealth.UNHEALTHY);
    assertThat(flags.clear(HealthFlag.FAILED_OUTLIER_CHECK)).isEqualTo(HealthFlags.Change.CHANGED);
    assertThat(flags.clear(HealthFlag.FAILED_OUTLIER_CHECK))
        .isEqualTo(HealthFlags.Change.UNCHANGED);
    assertThat(flags.coarseHealth(HostHealth.UNHEALTHY)).isEqualTo(HostHealth.UNHEALTHY);
    assertThat(flags.excluded()).isFalse();
    flags.set(HealthFlag.PENDING_ACTIVE_HC);
    assertThat(flags.excluded()).isTrue();
  }

  @Test
  void listsConfiguredAndRuntimeFlagsInEnvoysPrintOrder() {
    Host host = TestHosts.host("10.0.0.1", 1, 0, HostHealth.DEGRADED, Locality.NONE);
    host.healthFlags().set(HealthFlag.FAILED_OUTLIER_CHECK);
    host.healthFlags().set(HealthFlag.FAILED_ACTIVE_HC);

    assertThat(host.allHealthFlags())
        .containsExactly(
            HealthFlag.FAILED_ACTIVE_HC,
            HealthFlag.FAILED_OUTLIER_CHECK,
            HealthFlag.DEGRADED_EDS_HEALTH);
    assertThat(host.health()).isEqualTo(HostHealth.DEGRADED);
    assertThat(host.coarseHealth()).isEqualTo(HostHealth.UNHEALTHY);
  }

  @Test
  void anEjectedHostTakesNoTrafficUntilItsFlagIsCleared() throws ConfigException {
    UpstreamCluster cluster =
        start(ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2", "10.0.0.3"));
    Host second = host(cluster, "10.0.0.2");

    assertThat(cluster.setHealthFlag(second, HealthFlag.FAILED_OUTLIER_CHECK))
        .isEqualTo(HealthFlags.Change.CHANGED);

    assertThat(picks(cluster, 30)).containsExactly("10.0.0.1:8080", "10.0.0.3:8080");
    assertThat(stats.gauge("cluster.backend.membership_healthy").value()).isEqualTo(2);
    assertThat(stats.gauge("cluster.backend.membership_total").value()).isEqualTo(3);

    cluster.clearHealthFlag(second, HealthFlag.FAILED_OUTLIER_CHECK);

    assertThat(picks(cluster, 30))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(stats.gauge("cluster.backend.membership_healthy").value()).isEqualTo(3);
    assertThat(stats.counter("cluster.backend.membership_change").value()).isEqualTo(1);
  }

  @Test
  void rebuildsOnceForABatchOfFlagChanges() throws ConfigException {
    UpstreamCluster cluster =
        start(ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2", "10.0.0.3"));
    List<PrioritySet> snapshots = new ArrayList<>();
    cluster.addHealthListener(snapshots::add);
    snapshots.clear();

    cluster.batchHealthUpdates(
        () -> {
          cluster.setHealthFlag(host(cluster, "10.0.0.1"), HealthFlag.FAILED_OUTLIER_CHECK);
          cluster.setHealthFlag(host(cluster, "10.0.0.2"), HealthFlag.FAILED_OUTLIER_CHECK);
          // Unchanged flags ask for no rebuild at all.
          cluster.setHealthFlag(host(cluster, "10.0.0.2"), HealthFlag.FAILED_OUTLIER_CHECK);
        });
    cluster.batchHealthUpdates(
        () -> cluster.clearHealthFlag(host(cluster, "10.0.0.3"), HealthFlag.FAILED_ACTIVE_HC));

    assertThat(snapshots).hasSize(1);
    assertThat(snapshots.get(0).hostSets().get(0).healthyHosts())
        .extracting(Host::addressString)
        .containsExactly("10.0.0.3:8080");
    assertThat(cluster.prioritySet()).isSameAs(snapshots.get(0));
  }

  @Test
  void withPanicThresholdZeroAllHostsEjectedMeansNoHost() throws ConfigException {
    UpstreamCluster cluster =
        start(
            withPanicThreshold(
                ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2"), 0));

    cluster.batchHealthUpdates(
        () ->
            cluster
                .prioritySet()
                .allHosts()
                .forEach(h -> cluster.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK)));

    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();
    assertThat(stats.counter("cluster.backend.lb_healthy_panic").value()).isZero();

    cluster.clearHealthFlag(host(cluster, "10.0.0.2"), HealthFlag.FAILED_OUTLIER_CHECK);

    assertThat(picks(cluster, 10)).containsExactly("10.0.0.2:8080");
  }

  @Test
  void withTheDefaultPanicThresholdAllHostsEjectedMeansPanicOverAllHosts() throws ConfigException {
    UpstreamCluster cluster =
        start(ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2"));

    cluster.batchHealthUpdates(
        () ->
            cluster
                .prioritySet()
                .allHosts()
                .forEach(h -> cluster.setHealthFlag(h, HealthFlag.FAILED_OUTLIER_CHECK)));

    assertThat(picks(cluster, 20)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(stats.counter("cluster.backend.lb_healthy_panic").value()).isEqualTo(20);
  }

  @Test
  void hostsOfAHealthCheckedClusterStartAsFailedActiveHc() throws ConfigException {
    UpstreamCluster cluster =
        start(
            withPanicThreshold(
                ClusterDefinitionTest.cluster("backend", "10.0.0.1", "10.0.0.2")
                    .addHealthChecks(tcpCheck()),
                0));

    assertThat(cluster.activeHealthChecked()).isTrue();
    assertThat(cluster.prioritySet().allHosts())
        .allSatisfy(
            h ->
                assertThat(h.healthFlags().snapshot())
                    .containsExactly(HealthFlag.FAILED_ACTIVE_HC));
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();

    cluster.clearHealthFlag(host(cluster, "10.0.0.1"), HealthFlag.FAILED_ACTIVE_HC);

    assertThat(picks(cluster, 10)).containsExactly("10.0.0.1:8080");
  }

  @Test
  void ignoreNewHostsUntilFirstHcLeavesDiscoveredHostsOutOfThePanicMaths() throws ConfigException {
    dns.answer("a.internal", java.time.Duration.ofSeconds(60), "10.0.0.1", "10.0.0.2");
    LocalityLbEndpoints.Builder locality =
        LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(ClusterDefinitionTest.endpoint("a.internal", 8080));
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName("backend")
            .setType(Cluster.DiscoveryType.STRICT_DNS)
            .setLoadAssignment(ClusterLoadAssignment.newBuilder().addEndpoints(locality))
            .addHealthChecks(tcpCheck())
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder().setIgnoreNewHostsUntilFirstHc(true));
    UpstreamCluster running = start(cluster);
    Host first = host(running, "10.0.0.1");

    assertThat(first.healthFlags().snapshot())
        .containsExactly(HealthFlag.FAILED_ACTIVE_HC, HealthFlag.PENDING_ACTIVE_HC);
    assertThat(running.prioritySet().hostSets().get(0).excludedHosts()).hasSize(2);

    // The first check passes on one host: it is counted and healthy; the other is still excluded,
    // so the one healthy host is 100% of the counted hosts and no panic happens.
    running.batchHealthUpdates(
        () -> {
          running.clearHealthFlag(first, HealthFlag.FAILED_ACTIVE_HC);
          running.clearHealthFlag(first, HealthFlag.PENDING_ACTIVE_HC);
        });

    assertThat(picks(running, 10)).containsExactly("10.0.0.1:8080");
    assertThat(stats.counter("cluster.backend.lb_healthy_panic").value()).isZero();
  }

  @Test
  void aDnsRefreshKeepsTheFlagsOfHostsWhoseAddressStays() throws ConfigException {
    dns.answer("a.internal", java.time.Duration.ofSeconds(60), "10.0.0.1", "10.0.0.2");
    LocalityLbEndpoints.Builder locality =
        LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(ClusterDefinitionTest.endpoint("a.internal", 8080));
    UpstreamCluster cluster =
        start(
            Cluster.newBuilder()
                .setName("backend")
                .setType(Cluster.DiscoveryType.STRICT_DNS)
                .setLoadAssignment(ClusterLoadAssignment.newBuilder().addEndpoints(locality)));
    List<String> events = new ArrayList<>();
    cluster.addMembershipListener(
        (added, removed) ->
            events.add(
                added.stream().map(Host::addressString).toList()
                    + " - "
                    + removed.stream().map(Host::addressString).toList()));
    cluster.setHealthFlag(host(cluster, "10.0.0.1"), HealthFlag.FAILED_OUTLIER_CHECK);

    dns.answer("a.internal", java.time.Duration.ofSeconds(60), "10.0.0.1", "10.0.0.3");
    scheduler.runPending();

    assertThat(host(cluster, "10.0.0.1").healthFlags().snapshot())
        .containsExactly(HealthFlag.FAILED_OUTLIER_CHECK);
    assertThat(host(cluster, "10.0.0.3").healthFlags().snapshot()).isEmpty();
    assertThat(picks(cluster, 10)).containsExactly("10.0.0.3:8080");
    assertThat(events)
        .containsExactly(
            "[10.0.0.1:8080, 10.0.0.2:8080] - []", "[10.0.0.3:8080] - [10.0.0.2:8080]");
  }
}
