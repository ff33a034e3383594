package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadAverageTest {

  @Test
  void readsTheThreeAveragesOfAProcLoadavgLine() {
    LoadAverage load = LoadAverage.parse("2.39 3.52 3.23 4/612 123456\n");

    assertThat(load).isEqualTo(new LoadAverage(2.39, 3.52, 3.23));
    assertThat(load.describe()).isEqualTo("2.39 / 3.52 / 3.23");
  }

  @Test
  void rejectsALineThatIsNoLoadAverage() {
    assertThatThrownBy(() -> LoadAverage.parse("2.39")).hasMessageContaining("/proc/loadavg");
  }
}
