package io.attache.dataplane.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count, named as Envoy names it. Safe from any thread. */
public final class Counter {
  private final String name;
  private final LongAdder value = new LongAdder();
  // Envoy's "used" bit survives /reset_counters; before a reset, a non-zero value says it.
  private volatile boolean usedBeforeReset;

  Counter(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void inc() {
    value.increment();
  }

  public void add(long delta) {
    value.add(delta);
  }

  public long value() {
    return value.sum();
  }

  /** Whether the counter was ever incremented (Envoy's {@code usedonly}). */
  public boolean used() {
    return usedBeforeReset || value.sum() != 0;
  }

  /** Back to 0; an increment racing the reset may survive it, as in Envoy. */
  void reset() {
    if (value.sumThenReset() != 0) {
      usedBeforeReset = true;
    }
  }
}
