package io.attache.bench.controlplane;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Shared by every simulated proxy of the process: counts proxies that have their initial config,
 * and per round the proxies that have ACKed a new route configuration, announcing {@code DONE} with
 * the time of the last ACK once all have. Thread-safe; called from every stream's callback thread,
 * so it must never block.
 */
final class RoundTracker {
  private final int proxies;
  private final Consumer<ChildMessage> out;
  private final CountDownLatch ready;
  private final AtomicInteger remaining = new AtomicInteger(-1);
  private final AtomicLong lastAckNanos = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicBoolean failedOrClosing =
      new java.util.concurrent.atomic.AtomicBoolean();

  RoundTracker(int proxies, Consumer<ChildMessage> out) {
    this.proxies = proxies;
    this.out = out;
    this.ready = new CountDownLatch(proxies);
  }

  void proxyReady() {
    ready.countDown();
  }

  /** Proxies still waiting for their initial config. */
  long notReady() {
    return ready.getCount();
  }

  boolean awaitReady(long count, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (proxies - ready.getCount() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      ready.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
    }
    return true;
  }

  /** Starts a round; call before arming the proxies, and only once the last round is done. */
  void arm() {
    lastAckNanos.set(Long.MIN_VALUE);
    remaining.set(proxies);
  }

  /** One proxy ACKed the round's route configuration at {@code ackNanos}. */
  void converged(long ackNanos) {
    lastAckNanos.accumulateAndGet(ackNanos, Math::max);
    if (remaining.decrementAndGet() == 0) {
      out.accept(ChildMessage.done(lastAckNanos.get()));
    }
  }

  /** A stream failed: the run is void. Reported once; nothing is reported once closing. */
  void failed(String reason) {
    if (failedOrClosing.compareAndSet(false, true)) {
      out.accept(ChildMessage.failed(reason));
    }
  }

  /** The process is shutting its streams down: their cancellations are no failures. */
  void closing() {
    failedOrClosing.set(true);
  }
}
