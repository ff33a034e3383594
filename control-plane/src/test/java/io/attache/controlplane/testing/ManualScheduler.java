package io.attache.controlplane.testing;

import io.attache.controlplane.xds.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A scheduler on a fake clock: tasks run only when the test advances time past them. */
public final class ManualScheduler implements Scheduler {

  private long now;
  private final List<Entry> entries = new ArrayList<>();

  private final class Entry implements ScheduledTask {
    final long dueAt;
    final Runnable task;
    boolean cancelled;

    Entry(long dueAt, Runnable task) {
      this.dueAt = dueAt;
      this.task = task;
    }

    @Override
    public void cancel() {
      synchronized (ManualScheduler.this) {
        cancelled = true;
        entries.remove(this);
      }
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized ScheduledTask schedule(Duration delay, Runnable task) {
    Entry entry = new Entry(now + delay.toNanos(), task);
    entries.add(entry);
    return entry;
  }

  /** Delays from now of every pending task, soonest first. */
  public synchronized List<Duration> pendingDelays() {
    return entries.stream()
        .sorted(Comparator.comparingLong(e -> e.dueAt))
        .map(e -> Duration.ofNanos(e.dueAt - now))
        .toList();
  }

  /** Moves the clock forward, running every task that falls due, in order. */
  public void advance(Duration by) {
    long target;
    synchronized (this) {
      target = now + by.toNanos();
    }
    while (true) {
      Entry next;
      synchronized (this) {
        next =
            entries.stream()
                .filter(e -> e.dueAt <= target)
                .min(Comparator.comparingLong(e -> e.dueAt))
                .orElse(null);
        if (next == null) {
          now = target;
          return;
        }
        entries.remove(next);
        now = next.dueAt;
      }
      next.task.run();
    }
  }
}
