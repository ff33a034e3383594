package io.attache.dataplane.stats;

import java.util.concurrent.atomic.LongAdder;

/** A monotonically increasing count, named as Envoy names it. Safe from any thread. */
public final class Counter {
  private final String name;
  private final LongAdder value = new LongAdder();

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
}
