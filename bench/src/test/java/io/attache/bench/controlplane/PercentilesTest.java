package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void takesTheNearestRankWithoutInterpolating() {
    Percentiles p = Percentiles.of(List.of(40.0, 10.0, 30.0, 20.0));

    assertThat(p.median()).isEqualTo(20.0);
    assertThat(p.at(75)).isEqualTo(30.0);
    assertThat(p.at(76)).isEqualTo(40.0);
    assertThat(p.max()).isEqualTo(40.0);
    assertThat(p.count()).isEqualTo(4);
  }

  @Test
  void p99OfFewerThanAHundredSamplesIsTheSlowest() {
    Percentiles p = Percentiles.of(IntStream.rangeClosed(1, 20).mapToObj(i -> (double) i).toList());

    assertThat(p.at(99)).isEqualTo(20.0);
    assertThat(p.median()).isEqualTo(10.0);
  }

  @Test
  void p99OfAThousandSamplesSkipsTheTenSlowest() {
    Percentiles p =
        Percentiles.of(IntStream.rangeClosed(1, 1000).mapToObj(i -> (double) i).toList());

    assertThat(p.at(99)).isEqualTo(990.0);
    assertThat(p.at(100)).isEqualTo(1000.0);
    assertThat(p.at(0.01)).isEqualTo(1.0);
  }

  @Test
  void aSingleSampleIsEveryPercentile() {
    Percentiles p = Percentiles.of(List.of(7.0));

    assertThat(p.at(1)).isEqualTo(7.0);
    assertThat(p.at(99)).isEqualTo(7.0);
  }

  @Test
  void rejectsNoSamplesAndPercentilesOutsideTheRange() {
    assertThatThrownBy(() -> Percentiles.of(List.of())).hasMessageContaining("no samples");
    Percentiles p = Percentiles.of(List.of(1.0));
    assertThatThrownBy(() -> p.at(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.at(100.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
