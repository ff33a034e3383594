package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrioritySetLoadBalancerTest {
  private final Counter panic = new StatsStore().counter("cluster.test.lb_healthy_panic");

  private final Host a = TestHosts.healthy("10.0.0.1", 0);
  private final Host b = TestHosts.healthy("10.0.0.2", 0);
  private final Host sickC = TestHosts.unhealthy("10.0.0.3", 0);
  private final Host sickD = TestHosts.unhealthy("10.0.0.4", 0);

  private PrioritySetLoadBalancer balancer(
      List<Host> hosts, LbSettings settings, RandomSource random) {
    return new PrioritySetLoadBalancer(
        PrioritySet.of(hosts, Map.of(), 140), settings, random, panic);
  }

  private static Map<Host, Integer> count(LoadBalancer lb, LbContext context, int picks) {
    Map<Host, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(lb.chooseHost(context).orElseThrow(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void balancesOverHealthyHostsOnlyWhenEnoughAreHealthy() {
    Host c = TestHosts.healthy("10.0.0.3", 0);
    // 3 of 4 healthy: 140 * 3 / 4 = 105 -> 100% availability, no panic.
    LoadBalancer lb =
        balancer(
            List.of(a, b, c, sickD),
            LbSettings.of(LbPolicy.ROUND_ROBIN),
            new ScriptedRandom().then(0, 0));

    assertThat(count(lb, LbContext.NONE, 30)).containsOnlyKeys(a, b, c);
    assertThat(panic.value()).isZero();
  }

  @Test
  void balancesOverAllHostsInPanicAndCountsIt() {
    Host sickB = TestHosts.unhealthy("10.0.0.2", 0);
    // 1 of 4 healthy = 25% < 50% panic threshold.
    LoadBalancer lb =
        balancer(
            List.of(a, sickB, sickC, sickD),
            LbSettings.of(LbPolicy.ROUND_ROBIN),
            new ScriptedRandom().then(0, 0));

    assertThat(count(lb, LbContext.NONE, 8)).containsOnlyKeys(a, sickB, sickC, sickD);
    assertThat(panic.value()).isEqualTo(8);
  }

  @Test
  void failsWithNoHostWhenPanicIsDisabledAndNoHostIsHealthy() {
    LoadBalancer lb =
        balancer(
            List.of(sickC, sickD),
            LbSettings.of(LbPolicy.ROUND_ROBIN).withPanicThreshold(0),
            new ScriptedRandom().then(0));

    assertThat(lb.chooseHost(LbContext.NONE)).isEmpty();
  }

  @Test
  void choosesNoHostFromAnEmptyCluster() {
    LoadBalancer lb =
        new PrioritySetLoadBalancer(
            PrioritySet.EMPTY, LbSettings.of(LbPolicy.ROUND_ROBIN), new ScriptedRandom(), panic);

    assertThat(lb.chooseHost(LbContext.NONE)).isEmpty();
  }

  @Test
  void spillsToTheNextPriorityByTheRequestHash() {
    Host p1 = TestHosts.healthy("10.0.1.1", 1);
    // P0 2 of 4 healthy: 70% stays in P0, 30% spills to P1.
    LoadBalancer lb =
        balancer(
            List.of(a, b, sickC, sickD, p1),
            LbSettings.of(LbPolicy.RING_HASH),
            new ScriptedRandom());

    assertThat(lb.chooseHost(LbContext.withHash(69)).orElseThrow().priority()).isZero();
    assertThat(lb.chooseHost(LbContext.withHash(70)).orElseThrow()).isSameAs(p1);
    assertThat(lb.chooseHost(LbContext.withHash(169)).orElseThrow().priority()).isZero();
  }

  @Test
  void spillsToTheNextPriorityInProportionForRandomDraws() {
    Host p1 = TestHosts.healthy("10.0.1.1", 1);
    LoadBalancer lb =
        balancer(
            List.of(a, b, sickC, sickD, p1),
            LbSettings.of(LbPolicy.RANDOM),
            RandomSource.seeded(42));

    Map<Host, Integer> counts = count(lb, LbContext.NONE, 10_000);

    // The oracle: Envoy's definition with the same generator (RandomSource.seeded wraps
    // SplittableRandom). Priority 0 has 2 of 4 hosts healthy: 2/4 x overprovisioning 1.4 = 70 % of
    // the load, priority 1 the other 30 %. Each pick draws a 64-bit value, takes priority 0 when
    // value % 100 + 1 <= 70, then the random balancer draws one index among that priority's
    // healthy hosts ({a, b} or {p1}).
    SplittableRandom reference = new SplittableRandom(42);
    Map<Host, Integer> expected = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      boolean priorityZero = Long.remainderUnsigned(reference.nextLong(), 100) + 1 <= 70;
      Host pick =
          priorityZero ? List.of(a, b).get((int) reference.nextLong(2)) : pickOnly(reference, p1);
      expected.merge(pick, 1, Integer::sum);
    }
    assertThat(counts).isEqualTo(expected).containsOnlyKeys(a, b, p1);
  }

  /** The random balancer over one host still draws its index, as Envoy's does. */
  private static Host pickOnly(SplittableRandom reference, Host only) {
    assertThat(reference.nextLong(1)).isZero();
    return only;
  }

  @Test
  void usesDegradedHostsForTheLoadHealthyHostsCannotTake() {
    Host degraded = TestHosts.degraded("10.0.0.9", 0);
    // 1 healthy, 1 degraded of 2: healthy 70%, degraded 70% -> 70% healthy, 30% degraded.
    LoadBalancer lb =
        balancer(List.of(a, degraded), LbSettings.of(LbPolicy.RING_HASH), new ScriptedRandom());

    assertThat(lb.chooseHost(LbContext.withHash(69)).orElseThrow()).isSameAs(a);
    assertThat(lb.chooseHost(LbContext.withHash(70)).orElseThrow()).isSameAs(degraded);
  }

  @Test
  void picksAgainWhenTheFirstPickIsAHostToAvoid() {
    LoadBalancer lb =
        balancer(List.of(a, b), LbSettings.of(LbPolicy.ROUND_ROBIN), new ScriptedRandom().then(0));
    LbContext avoidA = new LbContext(OptionalLong.empty(), host -> host == a, 1);

    assertThat(lb.chooseHost(avoidA)).containsSame(b); // a rejected, then b
    assertThat(lb.chooseHost(avoidA)).containsSame(b); // round robin is at a again: skipped
  }

  @Test
  void usesTheLastPickOnceHostSelectionRetriesRunOut() {
    LoadBalancer lb =
        balancer(List.of(a, b), LbSettings.of(LbPolicy.ROUND_ROBIN), new ScriptedRandom().then(0));
    LbContext avoidAll = new LbContext(OptionalLong.empty(), host -> true, 2);

    assertThat(lb.chooseHost(avoidAll)).containsSame(a); // a, b, a: the third pick stands
  }

  @Test
  void weighsLocalitiesByTheirWeightWhenLocalityWeightedBalancingIsOn() {
    Locality east = new Locality("r", "east", "");
    Locality west = new Locality("r", "west", "");
    Host e1 = TestHosts.host("10.0.0.1", 1, 0, HostHealth.HEALTHY, east);
    Host w1 = TestHosts.host("10.0.0.2", 1, 0, HostHealth.HEALTHY, west);
    Host w2 = TestHosts.host("10.0.0.3", 1, 0, HostHealth.HEALTHY, west);
    PrioritySet set = PrioritySet.of(List.of(e1, w1, w2), Map.of(0, Map.of(east, 3, west, 1)), 140);
    LoadBalancer lb =
        new PrioritySetLoadBalancer(
            set,
            LbSettings.of(LbPolicy.ROUND_ROBIN).withLocalityWeighted(true),
            new ScriptedRandom().then(0, 0, 0, 0),
            panic);

    Map<Host, Integer> counts = count(lb, LbContext.NONE, 400);

    assertThat(counts.get(e1)).isEqualTo(300);
    assertThat(counts.get(w1)).isEqualTo(50);
    assertThat(counts.get(w2)).isEqualTo(50);
  }

  @Test
  void scalesALocalityByItsAvailability() {
    Locality east = new Locality("r", "east", "");
    Locality west = new Locality("r", "west", "");
    Host e1 = TestHosts.host("10.0.0.1", 1, 0, HostHealth.HEALTHY, east);
    Host e2 = TestHosts.host("10.0.0.2", 1, 0, HostHealth.HEALTHY, east);
    Host w1 = TestHosts.host("10.0.0.3", 1, 0, HostHealth.HEALTHY, west);
    Host w2 = TestHosts.host("10.0.0.4", 1, 0, HostHealth.UNHEALTHY, west);
    // Equal weights, but west is half healthy: 1.4 * 1/2 = 0.7 of its weight.
    PrioritySet set =
        PrioritySet.of(List.of(e1, e2, w1, w2), Map.of(0, Map.of(east, 1, west, 1)), 140);
    LoadBalancer lb =
        new PrioritySetLoadBalancer(
            set,
            LbSettings.of(LbPolicy.ROUND_ROBIN).withLocalityWeighted(true),
            new ScriptedRandom().then(0, 0, 0, 0, 0, 0),
            panic);

    Map<Host, Integer> counts = count(lb, LbContext.NONE, 1700);

    // The oracle: Envoy's earliest-deadline-first locality schedule written out here — east weight
    // 1 x min(1, 1.4 x 2/2) = 1, west 1 x min(1, 1.4 x 1/2) = 0.7; each pick takes the earliest
    // deadline (ties to the entry scheduled first) and reschedules it at now + 1/weight. Round
    // robin inside east starts at the scripted index 0: e1, e2, e1, ...
    int toEast = 0;
    int toWest = 0;
    double eastDeadline = 1 / 1.0;
    double westDeadline = 1 / 0.7;
    long eastOrder = 0;
    long westOrder = 1;
    long order = 2;
    for (int i = 0; i < 1700; i++) {
      boolean eastFirst =
          eastDeadline < westDeadline || (eastDeadline == westDeadline && eastOrder < westOrder);
      if (eastFirst) {
        toEast++;
        eastDeadline += 1 / 1.0;
        eastOrder = order++;
      } else {
        toWest++;
        westDeadline += 1 / 0.7;
        westOrder = order++;
      }
    }
    assertThat(counts.get(e1)).isEqualTo((toEast + 1) / 2);
    assertThat(counts.get(e2)).isEqualTo(toEast / 2);
    assertThat(counts.get(w1)).isEqualTo(toWest);
    assertThat(counts).doesNotContainKey(w2);
  }

  @Test
  void givesTheRingOnlyTheWeightedLocalitiesWhenLocalityWeightedBalancingIsOn() {
    Locality east = new Locality("r", "east", "");
    Locality west = new Locality("r", "west", "");
    Host e1 = TestHosts.host("10.0.0.1", 1, 0, HostHealth.HEALTHY, east);
    Host w1 = TestHosts.host("10.0.0.2", 1, 0, HostHealth.HEALTHY, west);
    PrioritySet set = PrioritySet.of(List.of(e1, w1), Map.of(0, Map.of(east, 1)), 140);
    LoadBalancer lb =
        new PrioritySetLoadBalancer(
            set,
            LbSettings.of(LbPolicy.RING_HASH).withLocalityWeighted(true),
            new ScriptedRandom(),
            panic);

    for (int i = 0; i < 200; i++) {
      assertThat(lb.chooseHost(LbContext.withHash(XxHash64.hash(new byte[] {(byte) i}))))
          .containsSame(e1);
    }
  }
}
