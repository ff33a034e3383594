package io.attache.dataplane.time;

import java.time.Duration;

/**
 * Runs a task once after a delay; how DNS refreshes (and other timers) are scheduled, so tests can
 * fire them by hand instead of waiting. Tasks must be short and must not block.
 */
public interface Scheduler {
  /** A scheduled task that can be called off. */
  interface ScheduledTask {
    ScheduledTask NONE = () -> {};

    /** Stops the task if it has not run yet; harmless after it ran. */
    void cancel();
  }

  ScheduledTask schedule(Duration delay, Runnable task);
}
