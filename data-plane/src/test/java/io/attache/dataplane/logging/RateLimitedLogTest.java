package io.attache.dataplane.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.logging.RateLimitedLog.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class RateLimitedLogTest {
  private long now = 1_000;
  private final List<String> lines = new ArrayList<>();

  /** Records what would have been logged, formatted as SLF4J formats it. */
  private final LegacyAbstractLogger recording =
      new LegacyAbstractLogger() {
        @Override
        public boolean isTraceEnabled() {
          return false;
        }

        @Override
        public boolean isDebugEnabled() {
          return false;
        }

        @Override
        public boolean isInfoEnabled() {
          return false;
        }

        @Override
        public boolean isWarnEnabled() {
          return true;
        }

        @Override
        public boolean isErrorEnabled() {
          return false;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
          return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(
            Level level, Marker marker, String format, Object[] args, Throwable thrown) {
          lines.add(MessageFormatter.basicArrayFormat(format, args));
        }
      };

  private final RateLimitedLog log =
      new RateLimitedLog(recording, Duration.ofSeconds(60), 3, () -> now);

  @Test
  void logsTheFirstBurstOfAWindowAndLeavesOutTheRest() {
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      outcomes.add(log.warn("bad connection {}", i));
    }

    assertThat(outcomes)
        .containsExactly(
            Outcome.LOGGED, Outcome.LOGGED, Outcome.LOGGED, Outcome.SUPPRESSED, Outcome.SUPPRESSED);
    assertThat(lines).containsExactly("bad connection 0", "bad connection 1", "bad connection 2");
    assertThat(log.suppressed()).isEqualTo(2);
  }

  @Test
  void theFirstLineOfTheNextWindowSaysHowManyWereLeftOut() {
    for (int i = 0; i < 10; i++) {
      log.warn("NACK {}", i);
    }
    now += Duration.ofSeconds(59).toNanos();
    assertThat(log.warn("NACK {}", 10)).isEqualTo(Outcome.SUPPRESSED);

    now += Duration.ofSeconds(1).toNanos();
    assertThat(log.warn("NACK {}", 11)).isEqualTo(Outcome.LOGGED);

    assertThat(lines).hasSize(4);
    assertThat(lines.get(3)).isEqualTo("NACK 11 (8 similar lines left out before this one)");
    assertThat(log.suppressed()).isZero();
  }

  @Test
  void refusesAWindowWithoutLines() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new RateLimitedLog(recording, Duration.ofSeconds(1), 0, () -> now))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
