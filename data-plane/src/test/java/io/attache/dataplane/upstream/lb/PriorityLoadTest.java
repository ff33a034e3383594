package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PriorityLoadTest {
  private static int ip = 1;

  /**
   * Hosts of one priority: the first {@code healthy} healthy, then {@code degraded}, rest
   * unhealthy.
   */
  static List<Host> hosts(int priority, int total, int healthy, int degraded) {
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      String address = "10." + priority + "." + (ip / 250) + "." + (ip++ % 250 + 1);
      hosts.add(
          i < healthy
              ? TestHosts.healthy(address, priority)
              : i < healthy + degraded
                  ? TestHosts.degraded(address, priority)
                  : TestHosts.unhealthy(address, priority));
    }
    return hosts;
  }

  static PrioritySet prioritySet(List<Host>... perPriority) {
    List<Host> all = new ArrayList<>();
    for (List<Host> hosts : perPriority) {
      all.addAll(hosts);
    }
    return PrioritySet.of(all, Map.of(), 140);
  }

  @ParameterizedTest(name = "P0 {0}% healthy -> P0 {1}%, P1 {2}%")
  @CsvSource({"100, 100, 0", "72, 100, 0", "71, 99, 1", "50, 70, 30", "25, 35, 65", "0, 0, 100"})
  void spillsLoadToTheNextPriorityAsEnvoysPriorityLevelsTableSays(
      int p0Healthy, int p0Load, int p1Load) {
    PriorityLoad load =
        PriorityLoad.compute(prioritySet(hosts(0, 100, p0Healthy, 0), hosts(1, 100, 100, 0)), 50);

    assertThat(load.healthyLoad()).containsExactly(p0Load, p1Load);
    assertThat(load.degradedLoad()).containsExactly(0, 0);
    assertThat(load.panic()).containsExactly(false, false);
  }

  @Test
  void givesTheRestToTheLowestPriorityWhenTheFirstTwoAreTwentyPercentHealthy() {
    PriorityLoad load =
        PriorityLoad.compute(
            prioritySet(hosts(0, 10, 2, 0), hosts(1, 10, 2, 0), hosts(2, 10, 10, 0)), 0);

    assertThat(load.healthyLoad()).containsExactly(28, 28, 44);
  }

  @Test
  void scalesLoadUpWhenTotalHealthIsBelowOneHundred() {
    // Envoy's docs: P0 and P1 each 20% healthy, normalized total health 56% -> 50% / 50%.
    PriorityLoad load =
        PriorityLoad.compute(prioritySet(hosts(0, 10, 2, 0), hosts(1, 10, 2, 0)), 0);

    assertThat(load.healthyLoad()).containsExactly(50, 50);
  }

  @Test
  void sendsWhatHealthyHostsCannotTakeToDegradedHosts() {
    PriorityLoad load = PriorityLoad.compute(prioritySet(hosts(0, 100, 71, 29)), 50);

    assertThat(load.healthyLoad()).containsExactly(99);
    assertThat(load.degradedLoad()).containsExactly(1);
  }

  @ParameterizedTest(name = "P0 {0}%, P1 {1}% healthy -> {2}% / {4}%, panic {3} / {5}")
  @CsvSource({
    "72, 72, 100, false, 0, false",
    "71, 71, 99, false, 1, false",
    "25, 25, 50, true, 50, true",
    // Envoy's panic-threshold doc prints 7% / 93% for this row, but Envoy's distributeLoad gives
    // the rounding remainder to the first available priority, so Envoy itself routes 8% / 92%.
    "5, 65, 8, true, 92, false"
  })
  void entersPanicPerPriorityOnlyWhenTotalHealthIsBelowOneHundred(
      int p0Healthy, int p1Healthy, int p0Load, boolean p0Panic, int p1Load, boolean p1Panic) {
    PriorityLoad load =
        PriorityLoad.compute(
            prioritySet(hosts(0, 100, p0Healthy, 0), hosts(1, 100, p1Healthy, 0)), 50);

    assertThat(load.healthyLoad()).containsExactly(p0Load, p1Load);
    assertThat(load.panic()).containsExactly(p0Panic, p1Panic);
  }

  @Test
  void splitsLoadByHostCountWhenEveryPriorityIsInPanic() {
    PriorityLoad load = PriorityLoad.compute(prioritySet(hosts(0, 2, 0, 0), hosts(1, 6, 1, 0)), 50);

    assertThat(load.panic()).containsExactly(true, true);
    assertThat(load.healthyLoad()).containsExactly(25, 75);
  }

  @Test
  void neverPanicsWithAZeroThresholdAndPointsAllLoadAtAnEmptyHealthyList() {
    PriorityLoad load = PriorityLoad.compute(prioritySet(hosts(0, 3, 0, 0), hosts(1, 3, 0, 0)), 0);

    assertThat(load.panic()).containsExactly(false, false);
    assertThat(load.healthyLoad()).containsExactly(100, 0);
  }

  @Test
  void choosesPriorityByHashModuloOneHundredOverCumulativeLoads() {
    PriorityLoad load =
        PriorityLoad.compute(prioritySet(hosts(0, 100, 50, 0), hosts(1, 100, 100, 0)), 50);

    // 70 / 30: points 1..70 go to P0, 71..100 to P1; the point is hash % 100 + 1.
    assertThat(load.choose(69).priority()).isEqualTo(0);
    assertThat(load.choose(70).priority()).isEqualTo(1);
    assertThat(load.choose(99).priority()).isEqualTo(1);
    assertThat(load.choose(100).priority()).isEqualTo(0);
    assertThat(load.choose(-1L).priority()).isEqualTo(0); // 2^64-1 % 100 = 15
  }
}
