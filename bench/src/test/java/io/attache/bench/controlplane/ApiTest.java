package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiTest {

  @Test
  void bothMeansStateOfTheWorldThenDelta() {
    assertThat(Api.parseChoice("both")).containsExactly(Api.SOTW, Api.DELTA);
    assertThat(Api.parseChoice("SotW")).containsExactly(Api.SOTW);
    assertThat(Api.parseChoice(" delta ")).containsExactly(Api.DELTA);
  }

  @Test
  void rejectsAnUnknownChoiceNamingTheOption() {
    assertThatThrownBy(() -> Api.parseChoice("incremental"))
        .hasMessageContaining("--api must be sotw, delta or both");
  }

  @Test
  void labelsRoundTrip() {
    for (Api api : Api.values()) {
      assertThat(Api.parse(api.label())).isEqualTo(api);
    }
  }
}
