package io.attache.dataplane.time;

/**
 * The proxy's only source of elapsed time. Production reads {@link System#nanoTime()}; tests pass a
 * {@code FakeTicker} they advance by hand, so no test ever sleeps to let time pass.
 */
@FunctionalInterface
public interface Ticker {
  Ticker SYSTEM = System::nanoTime;

  /** Monotonic nanoseconds; only differences are meaningful. */
  long nanoTime();
}
