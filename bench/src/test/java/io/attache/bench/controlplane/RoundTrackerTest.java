package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundTrackerTest {
  private final List<ChildMessage> said = new ArrayList<>();
  private final RoundTracker tracker = new RoundTracker(3, said::add);

  @Test
  void announcesTheLatestAckOnceEveryProxyHasConverged() {
    tracker.arm();
    tracker.converged(300);
    tracker.converged(500);
    assertThat(said).isEmpty();

    tracker.converged(400);

    assertThat(said).containsExactly(ChildMessage.done(500));
  }

  @Test
  void eachRoundStartsFromNothing() {
    tracker.arm();
    List.of(900L, 800L, 700L).forEach(tracker::converged);
    tracker.arm();
    List.of(1_000L, 1_200L, 1_100L).forEach(tracker::converged);

    assertThat(said).containsExactly(ChildMessage.done(900), ChildMessage.done(1_200));
  }

  @Test
  void countsProxiesThatHaveTheirInitialConfig() throws InterruptedException {
    tracker.proxyReady();
    tracker.proxyReady();

    assertThat(tracker.notReady()).isEqualTo(1);
    assertThat(tracker.awaitReady(2, 0)).isTrue();
    assertThat(tracker.awaitReady(3, 0)).isFalse();
  }

  @Test
  void reportsTheFirstFailureOnlyAndNoneOnceClosing() {
    tracker.failed("bench-1: UNAVAILABLE");
    tracker.failed("bench-2: UNAVAILABLE");
    assertThat(said).containsExactly(ChildMessage.failed("bench-1: UNAVAILABLE"));

    RoundTracker closing = new RoundTracker(1, said::add);
    closing.closing();
    closing.failed("bench-0: CANCELLED");
    assertThat(said).hasSize(1);
  }
}
