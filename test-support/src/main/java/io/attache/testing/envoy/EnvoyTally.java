package io.attache.testing.envoy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The outcomes of one test JVM's stock-Envoy tests, counted as {@link StockEnvoyExtension} reports
 * them, and the line that sums them up. A count, never a verdict: it must not change an outcome.
 */
final class EnvoyTally {

  /** The tally {@link StockEnvoyExtension} records into and {@link EnvoyTallyListener} prints. */
  static final EnvoyTally OF_THIS_JVM = new EnvoyTally();

  enum Outcome {
    PASSED,
    FAILED,
    SKIPPED,
    DISABLED
  }

  private final Map<Outcome, AtomicInteger> counts = new ConcurrentHashMap<>();

  void record(Outcome outcome) {
    counts.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
  }

  int count(Outcome outcome) {
    AtomicInteger count = counts.get(outcome);
    return count == null ? 0 : count.get();
  }

  int total() {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** "Stock Envoy tests: 7 of 7 passed (0 failed, 0 skipped, 0 disabled) against ...". */
  String summary(String envoy) {
    return String.format(
        "Stock Envoy tests: %d of %d passed (%d failed, %d skipped, %d disabled) against %s",
        count(Outcome.PASSED),
        total(),
        count(Outcome.FAILED),
        count(Outcome.SKIPPED),
        count(Outcome.DISABLED),
        envoy);
  }

  /** Starts the next test plan's count from zero (a JVM may run several plans). */
  void clear() {
    counts.clear();
  }
}
