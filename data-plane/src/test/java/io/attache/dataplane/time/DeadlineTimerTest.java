package io.attache.dataplane.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.outlier.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlineTimerTest {
  private final VirtualTime time = new VirtualTime();
  private final DeadlineTimer timer = new DeadlineTimer(time, time);
  private final List<String> fired = new ArrayList<>();

  private long in(Duration d) {
    return time.nanoTime() + d.toNanos();
  }

  @Test
  void firesOnceAtItsDeadline() {
    Runnable action = () -> fired.add("a");
    timer.arm(in(Duration.ofSeconds(15)), action);

    time.advance(Duration.ofMillis(14_999));
    assertThat(fired).isEmpty();
    time.advance(Duration.ofMillis(1));
    assertThat(fired).containsExactly("a");
    assertThat(timer.armed()).isFalse();
    time.advance(Duration.ofMinutes(5));
    assertThat(fired).containsExactly("a");
    assertThat(time.pending()).isEmpty();
  }

  @Test
  void movingTheDeadlineLaterSchedulesNothingAndFiresAtTheNewDeadline() {
    Runnable action = () -> fired.add("idle");
    timer.arm(in(Duration.ofSeconds(10)), action);
    time.advance(Duration.ofSeconds(4));
    timer.arm(in(Duration.ofSeconds(10)), action); // activity: due at 14 s now

    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(10));
    time.advance(Duration.ofSeconds(6)); // the first check fires early and re-arms for 4 s
    assertThat(fired).isEmpty();
    assertThat(time.pendingDelays()).containsExactly(Duration.ofSeconds(4));
    time.advance(Duration.ofSeconds(4));
    assertThat(fired).containsExactly("idle");
  }

  @Test
  void anEarlierDeadlineReplacesTheLaterCheck() {
    timer.arm(in(Duration.ofMinutes(5)), () -> fired.add("late"));
    timer.arm(in(Duration.ofSeconds(1)), () -> fired.add("early"));

    time.advance(Duration.ofSeconds(1));
    assertThat(fired).containsExactly("early");
    time.advance(Duration.ofMinutes(5));
    assertThat(fired).containsExactly("early");
  }

  @Test
  void aClearedDeadlineFiresNothingAndTheNextStreamReusesTheTimer() {
    Runnable first = () -> fired.add("first");
    Runnable second = () -> fired.add("second");
    timer.arm(in(Duration.ofSeconds(15)), first);
    time.advance(Duration.ofSeconds(1));
    timer.clear(first);
    timer.arm(in(Duration.ofSeconds(15)), second); // due at 16 s; the 15 s check is kept

    assertThat(time.pending()).hasSize(1);
    time.advance(Duration.ofSeconds(14));
    assertThat(fired).isEmpty();
    time.advance(Duration.ofSeconds(1));
    assertThat(fired).containsExactly("second");
  }

  @Test
  void aFinishedStreamCannotClearTheDeadlineOfTheStreamAfterIt() {
    Runnable first = () -> fired.add("first");
    Runnable second = () -> fired.add("second");
    timer.arm(in(Duration.ofSeconds(15)), first);
    timer.arm(in(Duration.ofSeconds(15)), second);
    timer.clear(first);

    time.advance(Duration.ofSeconds(15));
    assertThat(fired).containsExactly("second");
  }

  @Test
  void closingCancelsThePendingCheckSoAClosedStreamLeavesNothingQueued() {
    Runnable action = () -> fired.add("a");
    timer.arm(in(Duration.ofMinutes(5)), action);
    assertThat(time.pending()).hasSize(1);

    timer.close();

    assertThat(time.pending()).isEmpty();
    time.advance(Duration.ofMinutes(5));
    assertThat(fired).isEmpty();
  }

  @Test
  void aCheckThatFindsNothingArmedStopsUntilTheNextArm() {
    Runnable action = () -> fired.add("a");
    timer.arm(in(Duration.ofSeconds(2)), action);
    timer.clear(action);
    time.advance(Duration.ofSeconds(2));
    assertThat(time.pending()).isEmpty();

    timer.arm(in(Duration.ofSeconds(3)), action);
    time.advance(Duration.ofSeconds(3));
    assertThat(fired).containsExactly("a");
  }
}
