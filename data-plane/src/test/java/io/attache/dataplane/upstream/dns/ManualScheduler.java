package io.attache.dataplane.upstream.dns;

import io.attache.dataplane.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Scheduler for tests: records every task with its delay and runs it only when the test says so.
 * Its description lists what is pending, so a failed assertion shows the whole timer state.
 */
public final class ManualScheduler implements Scheduler {
  /** One scheduled task as the test sees it. */
  public static final class Task implements ScheduledTask {
    private final Duration delay;
    private final Runnable runnable;
    private boolean cancelled;
    private boolean ran;

    Task(Duration delay, Runnable runnable) {
      this.delay = delay;
      this.runnable = runnable;
    }

    public Duration delay() {
      return delay;
    }

    @Override
    public synchronized void cancel() {
      cancelled = true;
    }

    synchronized boolean isPending() {
      return !cancelled && !ran;
    }

    @Override
    public String toString() {
      return "Task(" + delay + (cancelled ? ", cancelled" : ran ? ", ran" : "") + ")";
    }
  }

  private final List<Task> tasks = new ArrayList<>();

  @Override
  public synchronized ScheduledTask schedule(Duration delay, Runnable runnable) {
    Task task = new Task(delay, runnable);
    tasks.add(task);
    return task;
  }

  /** Tasks neither run nor cancelled, oldest first. */
  public synchronized List<Task> pending() {
    return tasks.stream().filter(Task::isPending).toList();
  }

  public List<Duration> pendingDelays() {
    return pending().stream().map(Task::delay).toList();
  }

  /** Runs every task pending now (not the ones they schedule); returns how many ran. */
  public int runPending() {
    List<Task> due = pending();
    for (Task task : due) {
      synchronized (task) {
        task.ran = true;
      }
      task.runnable.run();
    }
    return due.size();
  }

  @Override
  public synchronized String toString() {
    return "ManualScheduler" + tasks;
  }
}
