package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundRobinPickerTest {
  private final Host a = TestHosts.host("10.0.0.1", 1);
  private final Host b = TestHosts.host("10.0.0.2", 1);
  private final Host c = TestHosts.host("10.0.0.3", 1);

  static List<Host> picks(HostPicker picker, int count) {
    List<Host> picked = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      picked.add(picker.pick(LbContext.NONE));
    }
    return picked;
  }

  @Test
  void rotatesThroughEqualWeightHostsFromARandomStart() {
    ScriptedRandom random = new ScriptedRandom().then(1);

    RoundRobinPicker picker = new RoundRobinPicker(List.of(a, b, c), random);

    assertThat(picks(picker, 7)).containsExactly(b, c, a, b, c, a, b);
    assertThat(random.draws()).containsExactly("nextLong(3)=1");
  }

  @Test
  void picksHostsInWeightedRoundRobinOrder() {
    Host w1 = TestHosts.host("10.0.0.1", 1);
    Host w2 = TestHosts.host("10.0.0.2", 2);
    Host w3 = TestHosts.host("10.0.0.3", 3);

    RoundRobinPicker picker =
        new RoundRobinPicker(List.of(w1, w2, w3), new ScriptedRandom().then(0));

    // Earliest deadline first: deadlines advance by 1/weight, ties go to the earlier entry. (Later
    // cycles may order near-ties differently as 1/3 accumulates rounding, exactly as Envoy's
    // double-based scheduler does; the shares stay exact.)
    assertThat(picks(picker, 6)).containsExactly(w3, w2, w3, w1, w2, w3);
    List<Host> next = picks(picker, 600);
    assertThat(next.stream().filter(h -> h == w1).count()).isBetween(99L, 101L);
    assertThat(next.stream().filter(h -> h == w2).count()).isBetween(199L, 201L);
    assertThat(next.stream().filter(h -> h == w3).count()).isBetween(299L, 301L);
  }

  @Test
  void advancesTheWeightedScheduleByTheRandomStart() {
    Host w1 = TestHosts.host("10.0.0.1", 1);
    Host w2 = TestHosts.host("10.0.0.2", 2);
    Host w3 = TestHosts.host("10.0.0.3", 3);

    RoundRobinPicker picker =
        new RoundRobinPicker(List.of(w1, w2, w3), new ScriptedRandom().then(2));

    assertThat(picks(picker, 4)).containsExactly(w3, w1, w2, w3);
  }

  @Test
  void givesEachHostItsWeightShareOverAFullCycle() {
    Host w1 = TestHosts.host("10.0.0.1", 1);
    Host w5 = TestHosts.host("10.0.0.2", 5);

    List<Host> picked =
        picks(new RoundRobinPicker(List.of(w1, w5), new ScriptedRandom().then(0)), 60);

    assertThat(picked.stream().filter(h -> h == w1).count()).isEqualTo(10);
    assertThat(picked.stream().filter(h -> h == w5).count()).isEqualTo(50);
  }

  @Test
  void picksNothingFromAnEmptyList() {
    assertThat(new RoundRobinPicker(List.of(), new ScriptedRandom()).pick(LbContext.NONE)).isNull();
  }
}
