package io.attache.dataplane.stats;

import java.util.concurrent.atomic.AtomicLong;

/** A value that goes up and down (active connections, open breakers), named as Envoy names it. */
public final class Gauge {
  private final String name;
  private final AtomicLong value = new AtomicLong();

  Gauge(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void inc() {
    value.incrementAndGet();
  }

  public void dec() {
    value.decrementAndGet();
  }

  public void set(long newValue) {
    value.set(newValue);
  }

  public long value() {
    return value.get();
  }
}
