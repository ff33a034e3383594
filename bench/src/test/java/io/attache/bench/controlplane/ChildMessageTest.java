package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChildMessageTest {

  @Test
  void everyMessageParsesBackFromItsLine() {
    for (ChildMessage message :
        new ChildMessage[] {
          ChildMessage.ready(10_000),
          ChildMessage.armed(),
          ChildMessage.done(123_456_789_012L),
          ChildMessage.failed("bench-7: UNAVAILABLE")
        }) {
      assertThat(ChildMessage.parse(message.line())).isEqualTo(message);
    }
  }

  @Test
  void doneCarriesTheNanoTimeOfTheLastAck() {
    ChildMessage done = ChildMessage.parse("DONE -42");

    assertThat(done.kind()).isEqualTo(ChildMessage.Kind.DONE);
    assertThat(done.value()).isEqualTo(-42L);
  }

  @Test
  void strayOutputNeverPassesForAResult() {
    assertThat(ChildMessage.parse("DONE soon").kind()).isEqualTo(ChildMessage.Kind.OTHER);
    assertThat(ChildMessage.parse("READY").kind()).isEqualTo(ChildMessage.Kind.OTHER);
    assertThat(ChildMessage.parse("ARMED twice").kind()).isEqualTo(ChildMessage.Kind.OTHER);
    assertThat(ChildMessage.parse("SLF4J: no binding").text()).isEqualTo("SLF4J: no binding");
  }

  @Test
  void aFailureReasonStaysOnOneLine() {
    assertThat(ChildMessage.failed("one\ntwo").line()).isEqualTo("FAILED one two");
  }
}
