package io.attache.dataplane.time;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;

/**
 * One deadline with one action, checked by a single event-loop timer that is scheduled only when no
 * pending check would come in time. Moving the deadline later (activity on a stream) or clearing it
 * (the stream finished) schedules and cancels nothing: a check that fires early re-arms for what is
 * left, one that finds nothing armed just stops. An HTTP/1.1 connection keeps one per stream
 * timeout and reuses it for every request it serves, where scheduling and cancelling a Netty timer
 * per request cost a task, a queue insert and a removal each time.
 *
 * <p>Whoever creates one must {@link #close} it when its connection or stream ends. Used only on
 * its event loop; never blocks; runs the action at most once per {@link #arm}.
 */
public final class DeadlineTimer {
  private final Scheduler scheduler;
  private final Ticker ticker;

  private long deadlineNanos;
  private Runnable action;
  private Scheduler.ScheduledTask check;
  private long checkAtNanos;

  public DeadlineTimer(Scheduler scheduler, Ticker ticker) {
    this.scheduler = scheduler;
    this.ticker = ticker;
  }

  /** A timer on {@code loop}, the event loop of the stream it times. */
  public static DeadlineTimer on(EventExecutor loop, Ticker ticker) {
    return new DeadlineTimer(new ExecutorScheduler(loop), ticker);
  }

  /** Runs {@code onExpiry} at {@code deadlineNanos} (ticker time) unless re-armed or cleared. */
  public void arm(long deadlineNanos, Runnable onExpiry) {
    this.deadlineNanos = deadlineNanos;
    this.action = onExpiry;
    if (check != null && checkAtNanos <= deadlineNanos) {
      return; // the pending check comes first and will re-arm for the rest
    }
    if (check != null) {
      check.cancel();
    }
    schedule(deadlineNanos - ticker.nanoTime());
  }

  /**
   * Forgets the deadline if {@code owner} (the action it was armed with) still holds it: a stream
   * that finishes after the next one armed the shared timer leaves that one alone. A pending check
   * then finds nothing to do.
   */
  public void clear(Runnable owner) {
    if (action == owner) {
      action = null;
    }
  }

  public boolean armed() {
    return action != null;
  }

  /**
   * The owner is gone (its connection or stream closed): forgets the deadline and cancels the
   * pending check, which would otherwise stay in the event loop's queue until it falls due — up to
   * a whole idle timeout later, for every closed stream. Arming again is allowed.
   */
  public void close() {
    action = null;
    if (check != null) {
      check.cancel();
      check = null;
    }
  }

  private void schedule(long delayNanos) {
    long delay = Math.max(0, delayNanos);
    checkAtNanos = ticker.nanoTime() + delay;
    check = scheduler.schedule(Duration.ofNanos(delay), this::onCheck);
  }

  private void onCheck() {
    check = null;
    if (action == null) {
      return;
    }
    long left = deadlineNanos - ticker.nanoTime();
    if (left > 0) {
      schedule(left);
      return;
    }
    Runnable expired = action;
    action = null;
    expired.run();
  }
}
