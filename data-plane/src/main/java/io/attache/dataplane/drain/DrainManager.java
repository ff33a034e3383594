package io.attache.dataplane.drain;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The server's drain sequence, as Envoy's {@code DrainManagerImpl} runs it. Once started (by {@code
 * /drain_listeners} or a shutdown) it tells each listener's connections to close: every one at once
 * with {@code --drain-strategy immediate}; with {@code gradual}, each answer is yes with a
 * probability that grows linearly from 0 at the start to 1 when {@code --drain-time-s} is over (a
 * uniform draw from the injected random source against the elapsed time on the injected ticker).
 * The completion task runs on the injected scheduler when the drain time is over; the drain never
 * ends after that. A server failing health checks ({@code /healthcheck/fail}, a shutdown) drains
 * every listener, drain or not, as Envoy does for listeners of {@code drain_type: DEFAULT}.
 *
 * <p>Never closes a connection or a listener itself: it only answers, and the connection manager
 * and the listeners act. Thread-safe: started on the admin or shutdown thread, read on event loops.
 */
public final class DrainManager {
  private record Drain(DrainDirection direction, long startNanos) {}

  private final Duration drainTime;
  private final DrainStrategy strategy;
  private final Ticker ticker;
  private final RandomSource random;
  private final Scheduler scheduler;
  private final BooleanSupplier healthCheckFailed;
  private volatile Drain current;

  public DrainManager(
      Duration drainTime,
      DrainStrategy strategy,
      Ticker ticker,
      RandomSource random,
      Scheduler scheduler,
      BooleanSupplier healthCheckFailed) {
    this.drainTime = Objects.requireNonNull(drainTime);
    this.strategy = Objects.requireNonNull(strategy);
    this.ticker = Objects.requireNonNull(ticker);
    this.random = Objects.requireNonNull(random);
    this.scheduler = Objects.requireNonNull(scheduler);
    this.healthCheckFailed = Objects.requireNonNull(healthCheckFailed);
  }

  /**
   * Starts draining {@code direction} and runs {@code onComplete} once the drain time is over.
   * Returns false and does nothing when a drain covering {@code direction} is already under way (a
   * repeated {@code /drain_listeners?graceful}); an inbound-only drain widened to all listeners
   * starts a new sequence from now.
   */
  public synchronized boolean startDrainSequence(DrainDirection direction, Runnable onComplete) {
    if (draining(direction)) {
      return false;
    }
    current = new Drain(direction, ticker.nanoTime());
    scheduler.schedule(drainTime, onComplete);
    return true;
  }

  /** Whether any drain has started. */
  public boolean draining() {
    return current != null;
  }

  /** Whether a drain has started that covers everything {@code direction} names. */
  public boolean draining(DrainDirection direction) {
    Drain drain = current;
    return drain != null && drain.direction().includes(direction);
  }

  /** The decision for the connections of one listener. */
  public DrainDecision decisionFor(boolean inboundListener) {
    return () -> drainClose(inboundListener);
  }

  private boolean drainClose(boolean inboundListener) {
    if (healthCheckFailed.getAsBoolean()) {
      return true;
    }
    Drain drain = current;
    if (drain == null || !drain.direction().covers(inboundListener)) {
      return false;
    }
    if (strategy == DrainStrategy.IMMEDIATE) {
      return true;
    }
    long drainNanos = drainTime.toNanos();
    if (drainNanos <= 0) {
      return true;
    }
    long elapsedNanos = ticker.nanoTime() - drain.startNanos();
    return elapsedNanos > random.nextLong(drainNanos);
  }
}
