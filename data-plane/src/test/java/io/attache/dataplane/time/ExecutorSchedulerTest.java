package io.attache.dataplane.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExecutorSchedulerTest {
  private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
  private final ExecutorScheduler scheduler = new ExecutorScheduler(executor);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  @Test
  void runsTheTaskOnTheExecutor() throws Exception {
    CompletableFuture<String> ran = new CompletableFuture<>();

    scheduler.schedule(Duration.ZERO, () -> ran.complete(Thread.currentThread().getName()));

    assertThat(ran.get(10, TimeUnit.SECONDS)).startsWith("pool-");
  }

  @Test
  void cancelsAPendingTask() {
    executor.setRemoveOnCancelPolicy(true);

    scheduler.schedule(Duration.ofHours(1), () -> {}).cancel();

    assertThat(executor.getQueue()).isEmpty();
  }
}
