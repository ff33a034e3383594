package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.upstream.ScriptedRandom;
import io.attache.dataplane.upstream.TestHosts;
import io.attache.dataplane.upstream.host.Host;
import java.util.List;
import org.junit.jupiter.api.Test;

class RandomPickerTest {
  @Test
  void picksTheHostAtTheRandomIndexIgnoringWeights() {
    Host a = TestHosts.host("10.0.0.1", 1);
    Host b = TestHosts.host("10.0.0.2", 100);
    Host c = TestHosts.host("10.0.0.3", 1);
    ScriptedRandom random = new ScriptedRandom().then(2, 0, 1);
    RandomPicker picker = new RandomPicker(List.of(a, b, c), random);

    assertThat(RoundRobinPickerTest.picks(picker, 3)).containsExactly(c, a, b);
    assertThat(random.draws()).containsExactly("nextLong(3)=2", "nextLong(3)=0", "nextLong(3)=1");
  }
}
