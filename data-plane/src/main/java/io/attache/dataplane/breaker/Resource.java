package io.attache.dataplane.breaker;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * One circuit-breaker resource of one cluster and priority (connections, pending requests,
 * requests, retries or connection pools): a count shared by every event loop and its limit. {@link
 * #tryAcquire()} is a lock-free compare-and-set, so — unlike Envoy's check-then-increment — the
 * count never goes past the limit through a race; only {@link #acquireOverLimit()} (Envoy's "a pool
 * with no connection always gets one") may exceed it. Never blocks.
 */
public final class Resource {
  private static final LongConsumer NO_GAUGE = value -> {};

  private final AtomicLong count = new AtomicLong();
  private final OverflowDecision overflow;
  private final Counter overflowCounter;
  private final long staticMax;
  private final LongSupplier effectiveMax;
  private final boolean budgeted;
  private final LongConsumer openGauge;
  private final LongConsumer remainingGauge;

  private Resource(
      OverflowDecision overflow,
      Counter overflowCounter,
      long staticMax,
      LongSupplier effectiveMax,
      boolean budgeted,
      LongConsumer openGauge,
      LongConsumer remainingGauge) {
    this.overflow = overflow;
    this.overflowCounter = overflowCounter;
    this.staticMax = staticMax;
    this.effectiveMax = effectiveMax;
    this.budgeted = budgeted;
    this.openGauge = openGauge;
    this.remainingGauge = remainingGauge;
    publishGauges();
  }

  /** A resource with a fixed limit. {@code remaining} is null unless {@code track_remaining}. */
  static Resource fixed(
      OverflowDecision overflow, Counter overflowCounter, long max, Gauge open, Gauge remaining) {
    return new Resource(
        overflow,
        overflowCounter,
        max,
        () -> max,
        false,
        open::set,
        remaining == null ? NO_GAUGE : remaining::set);
  }

  /**
   * The retries resource under a {@code retry_budget}: its limit follows the cluster's load. As in
   * Envoy, {@code rq_retry_open} keeps reporting against the static {@code max_retries} and {@code
   * remaining_retries} reads 0, because a remaining count that depends on other resources would be
   * stale the moment it was written.
   */
  static Resource budgeted(
      Counter overflowCounter,
      long staticMaxRetries,
      LongSupplier budgetMax,
      Gauge open,
      Gauge remaining) {
    return new Resource(
        OverflowDecision.RETRIES,
        overflowCounter,
        staticMaxRetries,
        budgetMax,
        true,
        open::set,
        remaining == null ? NO_GAUGE : remaining::set);
  }

  /**
   * Takes one unit if the limit allows; otherwise counts the overflow stat and says which limit
   * overflowed.
   */
  public OverflowDecision tryAcquire() {
    if (tryTake()) {
      return OverflowDecision.ADMITTED;
    }
    overflowCounter.inc();
    return overflow;
  }

  /** Takes one unit if the limit allows, counting nothing either way. */
  boolean tryTake() {
    long max = effectiveMax.getAsLong();
    while (true) {
      long current = count.get();
      if (current >= max) {
        return false;
      }
      if (count.compareAndSet(current, current + 1)) {
        publishGauges();
        return true;
      }
    }
  }

  /** Counts this resource's overflow stat once, for callers that decide in several steps. */
  void countOverflow() {
    overflowCounter.inc();
  }

  /** Takes one unit regardless of the limit (Envoy's exceptions to the rule, see callers). */
  public void acquireOverLimit() {
    count.incrementAndGet();
    publishGauges();
  }

  /** Returns one unit taken by {@link #tryAcquire()} or {@link #acquireOverLimit()}. */
  public void release() {
    long after = count.decrementAndGet();
    if (after < 0) {
      count.incrementAndGet();
      throw new IllegalStateException(overflow + " released more often than acquired");
    }
    publishGauges();
  }

  /** Units in use now. */
  public long count() {
    return count.get();
  }

  /** The limit in force now: the static threshold, or the retry budget's current allowance. */
  public long max() {
    return effectiveMax.getAsLong();
  }

  /** True when a {@code retry_budget} rather than a static threshold sets the limit. */
  public boolean budgeted() {
    return budgeted;
  }

  /** Whether the limit is reached now (what the {@code *_open} gauge shows). */
  public boolean open() {
    return count.get() >= max();
  }

  /**
   * Writes the gauges from the count, and again if the count moved meanwhile: whichever thread
   * writes last has seen the final count, so the gauges are exact whenever the resource is quiet.
   */
  private void publishGauges() {
    long seen;
    do {
      seen = count.get();
      openGauge.accept(seen >= staticMax ? 1 : 0);
      remainingGauge.accept(budgeted ? 0 : Math.max(0, staticMax - seen));
    } while (count.get() != seen);
  }
}
