package io.attache.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Envoy's premature-reset arithmetic, stream by stream. */
class PrematureResetsTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  @Test
  void theTwoHundredFiftiethPrematureStreamClosesAFreshConnection() {
    PrematureResets resets = new PrematureResets();
    for (int i = 1; i < 250; i++) {
      assertThat(resets.streamClosed(5 * MS, false)).as("stream %d", i).isFalse();
    }

    assertThat(resets.streamClosed(5 * MS, false)).isTrue();
  }

  @Test
  void streamsThatGotAResponseOrLivedPastTwoSecondsAreNotPremature() {
    PrematureResets resets = new PrematureResets();
    for (int i = 0; i < 10_000; i++) {
      assertThat(resets.streamClosed(5 * MS, true)).isFalse();
    }
    assertThat(resets.streamClosed(2 * S, false)).isFalse();
    assertThat(resets.streamClosed(1_999 * MS, false)).as("1.999 s is 1 whole second").isFalse();

    assertThat(resets.premature()).isEqualTo(1);
  }

  @Test
  void afterFiveHundredStreamsHalfOfAllMustBePrematureToClose() {
    PrematureResets resets = new PrematureResets();
    for (int i = 0; i < 300; i++) {
      resets.streamClosed(5 * MS, true);
    }
    for (int i = 0; i < 249; i++) {
      assertThat(resets.streamClosed(5 * MS, false)).isFalse();
    }
    // 549 closed, 249 premature; the limit now is half of all closed streams.
    for (int i = 0; i < 50; i++) {
      assertThat(resets.streamClosed(5 * MS, false)).as("premature %d", 250 + i).isFalse();
    }
    assertThat(resets.streamClosed(5 * MS, false)).isTrue(); // 300 of 600: half
  }
}
