package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JitActivityTest {
  @Test
  void convertsCompileTicksToMillisecondsWithTheTimerFrequency() {
    String out =
        """
        1234:
        sun.ci.lastMethod="io/netty/channel/epoll/EpollIoHandler cast"
        java.ci.totalTime=4500000000
        sun.os.hrt.frequency=1000000000
        """;

    assertThat(JitActivity.parse(out)).hasValue(4_500);
  }

  @Test
  void isEmptyWhenACounterIsMissingOrUnreadable() {
    assertThat(JitActivity.parse("java.ci.totalTime=10\n")).isEmpty();
    assertThat(JitActivity.parse("java.ci.totalTime=x\nsun.os.hrt.frequency=1000\n")).isEmpty();
    assertThat(JitActivity.parse("")).isEmpty();
  }
}
