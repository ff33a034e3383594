package io.attache.dataplane.time;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The production {@link Scheduler}: hands tasks to a ScheduledExecutorService, typically a Netty
 * event loop group or a small dedicated timer thread. Does not own the executor and never shuts it
 * down.
 */
public final class ExecutorScheduler implements Scheduler {
  private final ScheduledExecutorService executor;

  public ExecutorScheduler(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  @Override
  public ScheduledTask schedule(Duration delay, Runnable task) {
    ScheduledFuture<?> future = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }
}
