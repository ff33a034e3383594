package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TraceParentTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, 4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7, true",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00, 4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7, false",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03, 4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7, true",
    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future, 4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7, true",
    "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00, 4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7, false",
  })
  void acceptsValidTraceparents(String value, String traceId, String parentId, boolean sampled) {
    TraceParent parsed = TraceParent.parse(value).orElseThrow();
    assertThat(parsed.traceId()).isEqualTo(traceId);
    assertThat(parsed.parentId()).isEqualTo(parentId);
    assertThat(parsed.sampled()).isEqualTo(sampled);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "",
        "garbage",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // uppercase hex
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // v00 must be 55 chars
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", // no dash after the v00 part
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      })
  void rejectsInvalidTraceparents(String value) {
    assertThat(TraceParent.parse(value)).isEmpty();
  }

  @Test
  void formatsVersionZeroWithTheSampledFlag() {
    assertThat(TraceParent.format("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true))
        .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assertThat(TraceParent.format("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", false))
        .endsWith("-00");
  }

  @Test
  void joinsTracestateLinesAndDropsEmptyMembers() {
    assertThat(TraceState.parse(List.of("congo=t61rcWkgMzE, ,rojo=00f067aa0ba902b7", "acme@sys=x")))
        .contains("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7,acme@sys=x");
  }

  @Test
  void discardsAnInvalidTracestateAsAWhole() {
    assertThat(TraceState.parse(List.of("congo=ok,Bad Key=1"))).isEmpty();
    assertThat(TraceState.parse(List.of("congo=ok,congo=again"))).isEmpty();
    assertThat(TraceState.parse(List.of("novalue"))).isEmpty();
    assertThat(TraceState.parse(List.of("k=bad,comma=a=b"))).isEmpty();
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 33; i++) {
      many.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
    }
    assertThat(TraceState.parse(List.of(many.toString()))).isEmpty();
    assertThat(TraceState.parse(List.of())).isEmpty();
  }
}
