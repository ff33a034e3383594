package io.attache.dataplane.drain;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.time.RandomSource;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Envoy's drain manager on virtual time: when a drain starts and ends, which listeners it covers,
 * and the share of connections each strategy asks to close as the drain time passes.
 */
class DrainManagerTest {
  private static final Duration DRAIN_TIME = Duration.ofSeconds(10);

  private final VirtualTime time = new VirtualTime();
  private final AtomicBoolean healthCheckFailed = new AtomicBoolean();

  private DrainManager manager(DrainStrategy strategy, RandomSource random) {
    return new DrainManager(DRAIN_TIME, strategy, time, random, time, healthCheckFailed::get);
  }

  /** A random source whose every draw is the given fraction of the bound. */
  private static RandomSource drawingFraction(double fraction) {
    return new RandomSource() {
      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public long nextLong(long bound) {
        return (long) (bound * fraction);
      }
    };
  }

  @Test
  void noConnectionIsAskedToCloseBeforeADrainStarts() {
    DrainManager drain = manager(DrainStrategy.IMMEDIATE, RandomSource.seeded(1));

    assertThat(drain.draining()).isFalse();
    assertThat(drain.decisionFor(true).drainClose()).isFalse();
    assertThat(drain.decisionFor(false).drainClose()).isFalse();
  }

  @Test
  void theImmediateStrategyAsksEveryConnectionToCloseAtOnce() {
    DrainManager drain = manager(DrainStrategy.IMMEDIATE, drawingFraction(0.99));

    drain.startDrainSequence(DrainDirection.ALL, () -> {});

    assertThat(drain.decisionFor(false).drainClose()).isTrue();
    assertThat(drain.decisionFor(true).drainClose()).isTrue();
  }

  @Test
  void theGradualStrategyAsksOnceTheElapsedShareOfTheDrainTimePassesTheDraw() {
    DrainManager drain = manager(DrainStrategy.GRADUAL, drawingFraction(0.5));
    drain.startDrainSequence(DrainDirection.ALL, () -> {});
    DrainDecision decision = drain.decisionFor(false);

    assertThat(decision.drainClose()).as("at the start").isFalse();
    time.advance(Duration.ofMillis(4_999));
    assertThat(decision.drainClose()).as("just before half the drain time").isFalse();
    time.advance(Duration.ofMillis(2));
    assertThat(decision.drainClose()).as("just after half the drain time").isTrue();
  }

  @Test
  void theGradualStrategyClosesAShareOfConnectionsGrowingLinearlyOverTheDrainTime() {
    DrainManager drain = manager(DrainStrategy.GRADUAL, RandomSource.seeded(17));
    drain.startDrainSequence(DrainDirection.ALL, () -> {});
    DrainDecision decision = drain.decisionFor(true);

    for (int quarter = 0; quarter <= 4; quarter++) {
      int closing = 0;
      for (int connection = 0; connection < 10_000; connection++) {
        if (decision.drainClose()) {
          closing++;
        }
      }
      assertThat(closing / 10_000.0)
          .as("share asked to close after %d/4 of the drain time", quarter)
          .isBetween(quarter / 4.0 - 0.02, quarter / 4.0 + 0.02);
      time.advance(DRAIN_TIME.dividedBy(4));
    }
  }

  @Test
  void theCompletionRunsWhenTheDrainTimeIsOverAndTheDrainGoesOn() {
    DrainManager drain = manager(DrainStrategy.GRADUAL, RandomSource.seeded(1));
    AtomicInteger completed = new AtomicInteger();

    drain.startDrainSequence(DrainDirection.ALL, completed::incrementAndGet);
    time.advance(DRAIN_TIME.minusMillis(1));
    assertThat(completed).hasValue(0);
    time.advance(Duration.ofMillis(1));

    assertThat(completed).hasValue(1);
    assertThat(drain.draining()).isTrue();
    assertThat(drain.decisionFor(false).drainClose()).isTrue();
  }

  @Test
  void aSecondDrainOfTheSameListenersIsIgnored() {
    DrainManager drain = manager(DrainStrategy.IMMEDIATE, RandomSource.seeded(1));
    AtomicInteger completed = new AtomicInteger();

    assertThat(drain.startDrainSequence(DrainDirection.ALL, completed::incrementAndGet)).isTrue();
    assertThat(drain.startDrainSequence(DrainDirection.ALL, completed::incrementAndGet)).isFalse();
    assertThat(drain.startDrainSequence(DrainDirection.INBOUND_ONLY, completed::incrementAndGet))
        .isFalse();
    time.advance(DRAIN_TIME);

    assertThat(completed).hasValue(1);
  }

  @Test
  void anInboundOnlyDrainLeavesOtherListenersAloneUntilADrainOfAllWidensIt() {
    DrainManager drain = manager(DrainStrategy.IMMEDIATE, RandomSource.seeded(1));

    drain.startDrainSequence(DrainDirection.INBOUND_ONLY, () -> {});
    assertThat(drain.decisionFor(true).drainClose()).isTrue();
    assertThat(drain.decisionFor(false).drainClose()).isFalse();
    assertThat(drain.draining(DrainDirection.ALL)).isFalse();

    assertThat(drain.startDrainSequence(DrainDirection.ALL, () -> {})).isTrue();
    assertThat(drain.decisionFor(false).drainClose()).isTrue();
  }

  @Test
  void aServerFailingHealthChecksAsksEveryConnectionToCloseWithoutADrain() {
    DrainManager drain = manager(DrainStrategy.GRADUAL, drawingFraction(0.99));

    healthCheckFailed.set(true);

    assertThat(drain.draining()).isFalse();
    assertThat(drain.decisionFor(true).drainClose()).isTrue();
    assertThat(drain.decisionFor(false).drainClose()).isTrue();
  }
}
