package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeastRequestPickerTest {
  private final Host a = TestHosts.host("10.0.0.1", 1);
  private final Host b = TestHosts.host("10.0.0.2", 1);
  private final Host c = TestHosts.host("10.0.0.3", 1);

  private static void startRequests(Host host, int count) {
    for (int i = 0; i < count; i++) {
      host.stats().onRequestStarted();
    }
  }

  @Test
  void keepsTheLessLoadedOfTwoRandomChoices() {
    startRequests(a, 2);
    startRequests(c, 1);
    ScriptedRandom random = new ScriptedRandom().then(0, 1, 2, 0, 0, 2);
    LeastRequestPicker picker = new LeastRequestPicker(List.of(a, b, c), 2, 1.0, random);

    assertThat(picker.pick(LbContext.NONE)).isSameAs(b); // a(2) vs b(0)
    assertThat(picker.pick(LbContext.NONE)).isSameAs(c); // c(1) vs a(2)
    assertThat(picker.pick(LbContext.NONE)).isSameAs(c); // a(2) vs c(1)
    assertThat(random.draws())
        .containsExactly(
            "nextLong(3)=0",
            "nextLong(3)=1",
            "nextLong(3)=2",
            "nextLong(3)=0",
            "nextLong(3)=0",
            "nextLong(3)=2");
  }

  @Test
  void keepsTheFirstChoiceOnATie() {
    startRequests(a, 1);
    startRequests(b, 1);
    LeastRequestPicker picker =
        new LeastRequestPicker(List.of(a, b, c), 2, 1.0, new ScriptedRandom().then(1, 0));

    assertThat(picker.pick(LbContext.NONE)).isSameAs(b);
  }

  @Test
  void samplesChoiceCountHosts() {
    startRequests(a, 3);
    startRequests(b, 2);
    startRequests(c, 1);
    ScriptedRandom random = new ScriptedRandom().then(0, 1, 2);
    LeastRequestPicker picker = new LeastRequestPicker(List.of(a, b, c), 3, 1.0, random);

    assertThat(picker.pick(LbContext.NONE)).isSameAs(c);
    assertThat(random.remaining()).isZero();
  }

  @Test
  void dividesWeightByActiveRequestsWhenWeightsDiffer() {
    Host light = TestHosts.host("10.0.0.1", 1);
    Host heavy = TestHosts.host("10.0.0.2", 2);
    startRequests(heavy, 3); // 2 / (3 + 1) = 0.5, half of light's 1 / (0 + 1)
    LeastRequestPicker picker =
        new LeastRequestPicker(List.of(light, heavy), 2, 1.0, new ScriptedRandom());

    List<Host> picked = RoundRobinPickerTest.picks(picker, 30);

    assertThat(picked.stream().filter(h -> h == light).count()).isBetween(19L, 21L);
    assertThat(picked.stream().filter(h -> h == heavy).count()).isBetween(9L, 11L);
  }

  @Test
  void ignoresActiveRequestsWhenTheBiasIsZero() {
    Host light = TestHosts.host("10.0.0.1", 1);
    Host heavy = TestHosts.host("10.0.0.2", 2);
    startRequests(heavy, 3);
    LeastRequestPicker picker =
        new LeastRequestPicker(List.of(light, heavy), 2, 0.0, new ScriptedRandom());

    List<Host> picked = RoundRobinPickerTest.picks(picker, 30);

    assertThat(picked.stream().filter(h -> h == heavy).count()).isEqualTo(20);
  }

  @Test
  void appliesTheBiasAsAnExponent() {
    Host host = TestHosts.host("10.0.0.1", 8);
    startRequests(host, 3);

    assertThat(LeastRequestPicker.dynamicWeight(host, 2.0)).isEqualTo(8.0 / 16.0);
    assertThat(LeastRequestPicker.dynamicWeight(host, 1.0)).isEqualTo(8.0 / 4.0);
  }
}
