package io.attache.controlplane.xds;

import java.time.Duration;

/**
 * Time and timers for the debouncer, injected so tests advance a fake clock and fire tasks instead
 * of sleeping. Implementations must run tasks off the caller's thread or, for fakes, only when told
 * to.
 */
public interface Scheduler {

  /** Monotonic nanoseconds. */
  long nanoTime();

  ScheduledTask schedule(Duration delay, Runnable task);

  /** A task that may still be cancelled. */
  interface ScheduledTask {
    void cancel();
  }
}
