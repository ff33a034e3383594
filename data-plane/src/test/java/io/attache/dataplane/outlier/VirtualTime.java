package io.attache.dataplane.outlier;

import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A clock and scheduler for tests that share one virtual time: {@link #advance} moves time forward
 * and runs, in time order, every task that falls due (including ones those tasks schedule). The
 * description lists the pending tasks, so a failed assertion shows the whole timer state.
 */
public final class VirtualTime implements Ticker, Scheduler {
  /** One scheduled task as the test sees it. */
  public final class Task implements ScheduledTask {
    private final long dueNanos;
    private final Duration delay;
    private final Runnable runnable;
    private final long sequence;
    private boolean cancelled;
    private boolean ran;

    Task(long dueNanos, Duration delay, Runnable runnable, long sequence) {
      this.dueNanos = dueNanos;
      this.delay = delay;
      this.runnable = runnable;
      this.sequence = sequence;
    }

    public Duration delay() {
      return delay;
    }

    /** When it falls due, as an offset from the start of virtual time. */
    public Duration dueAt() {
      return Duration.ofNanos(dueNanos - START);
    }

    @Override
    public void cancel() {
      synchronized (VirtualTime.this) {
        cancelled = true;
      }
    }

    boolean pending() {
      return !cancelled && !ran;
    }

    @Override
    public String toString() {
      return "Task(due " + dueAt() + ", delay " + delay + ")";
    }
  }

  // Far from zero so code that subtracts times never relies on a zero origin.
  private static final long START = 1_000_000_000_000L;
  private long now = START;
  private long sequence;
  private final List<Task> tasks = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  /** Time elapsed since the start. */
  public synchronized Duration elapsed() {
    return Duration.ofNanos(now - START);
  }

  @Override
  public synchronized ScheduledTask schedule(Duration delay, Runnable runnable) {
    Task task = new Task(now + delay.toNanos(), delay, runnable, sequence++);
    tasks.add(task);
    return task;
  }

  /** Pending tasks in the order they will run. */
  public synchronized List<Task> pending() {
    return tasks.stream()
        .filter(Task::pending)
        .sorted(Comparator.comparingLong((Task t) -> t.dueNanos).thenComparingLong(t -> t.sequence))
        .toList();
  }

  public List<Duration> pendingDelays() {
    return pending().stream().map(Task::delay).toList();
  }

  /** Moves time forward by {@code step}, running every task due on the way, each at its time. */
  public void advance(Duration step) {
    long target;
    synchronized (this) {
      target = now + step.toNanos();
    }
    while (true) {
      Task next;
      synchronized (this) {
        List<Task> due = pending().stream().filter(t -> t.dueNanos <= target).toList();
        if (due.isEmpty()) {
          now = target;
          return;
        }
        next = due.get(0);
        now = Math.max(now, next.dueNanos);
        next.ran = true;
      }
      next.runnable.run();
    }
  }

  /** Advances exactly to when the next pending task is due and runs what is due then. */
  public void runNext() {
    List<Task> pending = pending();
    if (pending.isEmpty()) {
      throw new AssertionError("nothing pending");
    }
    long step;
    synchronized (this) {
      step = Math.max(0, pending.get(0).dueNanos - now);
    }
    advance(Duration.ofNanos(step));
  }

  @Override
  public synchronized String toString() {
    return "VirtualTime(at " + elapsed() + ", pending " + pending() + ")";
  }
}
