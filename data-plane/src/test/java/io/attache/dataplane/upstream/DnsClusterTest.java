package io.attache.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.host.PrioritySet;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DnsClusterTest {
  private static final java.time.Duration TTL = java.time.Duration.ofSeconds(60);

  private final StatsStore stats = new StatsStore();
  private final FakeDnsResolver dns = new FakeDnsResolver();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final UpstreamContext context =
      new UpstreamContext(stats, dns, scheduler, new ScriptedRandom().then(new long[64]));
  private ClusterManager manager;

  private static Cluster.Builder dnsCluster(Cluster.DiscoveryType type, String... names) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (String name : names) {
      locality.addLbEndpoints(ClusterDefinitionTest.endpoint(name, 8080));
    }
    return Cluster.newBuilder()
        .setName("backend")
        .setType(type)
        .setDnsRefreshRate(Duration.newBuilder().setSeconds(10))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().addEndpoints(locality));
  }

  private UpstreamCluster start(Cluster.Builder cluster) throws ConfigException {
    manager = ClusterManager.create(List.of(cluster.build()), "static_resources.clusters", context);
    manager.start();
    return manager.cluster("backend").orElseThrow();
  }

  private long counter(String stat) {
    return stats.counter("cluster.backend." + stat).value();
  }

  private long gauge(String stat) {
    return stats.gauge("cluster.backend." + stat).value();
  }

  private static List<String> addresses(UpstreamCluster cluster) {
    return cluster.prioritySet().allHosts().stream().map(Host::addressString).toList();
  }

  @AfterEach
  void noTimerOutlivesTheManager() {
    if (manager != null) {
      manager.close();
      assertThat(scheduler.pending()).as("%s", scheduler).isEmpty();
    }
  }

  @Test
  void makesAHostOfEveryAddressOfEveryName() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1", "10.0.0.2").answer("b.internal", TTL, "10.0.1.1");

    UpstreamCluster cluster =
        start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal", "b.internal"));

    assertThat(cluster.initialized()).isCompleted();
    assertThat(addresses(cluster))
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.1.1:8080");
    assertThat(cluster.prioritySet().allHosts().get(0).hostname()).isEqualTo("a.internal");
    assertThat(counter("update_attempt")).isEqualTo(2);
    assertThat(counter("update_success")).isEqualTo(2);
    assertThat(gauge("membership_total")).isEqualTo(3);
    assertThat(gauge("membership_healthy")).isEqualTo(3);
    assertThat(scheduler.pendingDelays())
        .containsExactly(java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(10));
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isPresent();
  }

  @Test
  void replacesTheHostsWhenARefreshAnswersDifferently() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1", "10.0.0.2");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal"));
    Host kept = cluster.prioritySet().allHosts().get(1);
    kept.stats().onRequestStarted();

    dns.answer("a.internal", TTL, "10.0.0.2", "10.0.0.3");
    scheduler.runPending();

    assertThat(addresses(cluster)).containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(cluster.prioritySet().allHosts().get(0).stats()).isSameAs(kept.stats());
    assertThat(counter("update_attempt")).isEqualTo(2);
    assertThat(counter("update_success")).isEqualTo(2);
    assertThat(counter("membership_change")).isEqualTo(2);
    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofSeconds(10));
  }

  @Test
  void keepsThePreviousHostsWhenARefreshFails() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal"));
    PrioritySet before = cluster.prioritySet();

    dns.fail("a.internal");
    scheduler.runPending();

    assertThat(cluster.prioritySet()).isSameAs(before);
    assertThat(counter("update_failure")).isEqualTo(1);
    assertThat(counter("update_success")).isEqualTo(1);
    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofSeconds(10));
  }

  @Test
  void doesNotRebuildWhenTheAnswerIsUnchanged() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal"));
    PrioritySet before = cluster.prioritySet();

    scheduler.runPending();

    assertThat(cluster.prioritySet()).isSameAs(before);
    assertThat(counter("update_no_rebuild")).isEqualTo(1);
    assertThat(counter("membership_change")).isEqualTo(1);
  }

  @Test
  void removesTheHostsOfANameThatResolvesToNothing() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal"));

    dns.answer("a.internal", TTL);
    scheduler.runPending();

    assertThat(addresses(cluster)).isEmpty();
    assertThat(counter("update_empty")).isEqualTo(1);
    assertThat(gauge("membership_total")).isZero();
  }

  @Test
  void refreshesAtTheTtlWhenAskedToRespectIt() throws ConfigException {
    dns.answer("a.internal", java.time.Duration.ofSeconds(3), "10.0.0.1");

    start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal").setRespectDnsTtl(true));

    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofSeconds(3));
  }

  @Test
  void isInitializedAfterAFailedFirstResolutionWithNoHosts() throws ConfigException {
    UpstreamCluster cluster =
        start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "missing.internal"));

    assertThat(cluster.initialized()).isCompleted();
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();
    assertThat(counter("update_failure")).isEqualTo(1);
  }

  @Test
  void asksForTheConfiguredAddressFamily() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1", "fd00::1");

    UpstreamCluster cluster =
        start(
            dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal")
                .setDnsLookupFamily(Cluster.DnsLookupFamily.V6_ONLY));

    assertThat(dns.questions()).containsExactly("a.internal/V6_ONLY");
    assertThat(addresses(cluster)).containsExactly("[fd00::1]:8080");
  }

  @Test
  void usesTheFirstAddressAsTheOneLogicalHost() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1", "10.0.0.2");

    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.LOGICAL_DNS, "a.internal"));

    assertThat(addresses(cluster)).containsExactly("10.0.0.1:8080");
    assertThat(scheduler.pendingDelays()).containsExactly(java.time.Duration.ofSeconds(10));
  }

  @Test
  void movesTheLogicalHostToTheNewFirstAddressKeepingItsStats() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.LOGICAL_DNS, "a.internal"));
    HostStats hostStats = cluster.prioritySet().allHosts().get(0).stats();

    dns.answer("a.internal", TTL, "10.0.0.9", "10.0.0.1");
    scheduler.runPending();

    assertThat(addresses(cluster)).containsExactly("10.0.0.9:8080");
    assertThat(cluster.prioritySet().allHosts().get(0).stats()).isSameAs(hostStats);
    assertThat(counter("update_success")).isEqualTo(2);
  }

  @Test
  void keepsTheLogicalHostWhenARefreshFailsOrIsEmpty() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.LOGICAL_DNS, "a.internal"));

    dns.fail("a.internal");
    scheduler.runPending();
    dns.answer("a.internal", TTL);
    scheduler.runPending();

    assertThat(addresses(cluster)).containsExactly("10.0.0.1:8080");
    assertThat(counter("update_failure")).isEqualTo(2);
    assertThat(counter("update_attempt")).isEqualTo(3);
  }

  @Test
  void dropsAnswersThatArriveAfterClose() throws ConfigException {
    dns.answer("a.internal", TTL, "10.0.0.1");
    UpstreamCluster cluster = start(dnsCluster(Cluster.DiscoveryType.STRICT_DNS, "a.internal"));

    manager.close();

    assertThat(scheduler.pending()).isEmpty();
    assertThat(addresses(cluster)).containsExactly("10.0.0.1:8080");
  }
}
