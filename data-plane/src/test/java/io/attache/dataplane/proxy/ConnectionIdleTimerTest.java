package io.attache.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The connection idle timer on virtual time: armed from accept, paused while streams run. */
class ConnectionIdleTimerTest {
  private static final Duration IDLE = Duration.ofSeconds(20);

  private final VirtualTime time = new VirtualTime();
  private final EmbeddedChannel connection = new EmbeddedChannel();
  private final Counter idleTimeouts = new StatsStore().counter("idle");
  private final ConnectionIdleTimer timer =
      new ConnectionIdleTimer(connection, IDLE, idleTimeouts, time, time);

  @AfterEach
  void tearDown() {
    connection.finishAndReleaseAll();
  }

  @Test
  void aConnectionThatNeverStartsAStreamClosesExactlyAtTheIdleTimeout() {
    timer.start();

    time.advance(IDLE.minusNanos(1));
    assertThat(connection.isOpen()).isTrue();
    time.advance(Duration.ofNanos(1));
    assertThat(connection.isOpen()).isFalse();
    assertThat(idleTimeouts.value()).isEqualTo(1);
  }

  @Test
  void anActiveStreamHoldsTheTimerAndItsEndStartsAFullTimeoutAgain() {
    timer.start();
    time.advance(Duration.ofSeconds(19));
    timer.streamStarted();
    time.advance(Duration.ofMinutes(10));
    assertThat(connection.isOpen()).isTrue();

    timer.streamEnded();
    time.advance(IDLE.minusNanos(1));
    assertThat(connection.isOpen()).isTrue();
    time.advance(Duration.ofNanos(1));
    assertThat(connection.isOpen()).isFalse();
    assertThat(idleTimeouts.value()).isEqualTo(1);
  }

  @Test
  void theTimerWaitsForTheLastOfSeveralStreams() {
    timer.start();
    timer.streamStarted();
    timer.streamStarted();
    timer.streamEnded();
    time.advance(IDLE.multipliedBy(2));
    assertThat(connection.isOpen()).isTrue();
    timer.streamEnded();
    time.advance(IDLE);
    assertThat(connection.isOpen()).isFalse();
  }

  @Test
  void stoppingOnCloseLeavesNoTimerBehind() {
    timer.start();
    timer.stop();

    assertThat(time.pending()).isEmpty();
  }

  @Test
  void aZeroTimeoutNeverCloses() {
    ConnectionIdleTimer off =
        new ConnectionIdleTimer(connection, Duration.ZERO, idleTimeouts, time, time);
    off.start();
    time.advance(Duration.ofDays(1));
    assertThat(connection.isOpen()).isTrue();
    assertThat(time.pending()).isEmpty();
  }
}
