package io.attache.dataplane.filter.admissioncontrol;

import java.util.ArrayDeque;

/**
 * The requests and successes of the last {@code sampling_window} (Envoy's {@code
 * ThreadLocalControllerImpl}): one-second buckets in a deque, the oldest dropped once it is a whole
 * window old, and running totals. Time comes from the injected ticker. Shared by every stream of
 * one listener's filter (Envoy keeps one per worker); each call is a short critical section and
 * never blocks on I/O.
 */
final class RequestHistory {
  private static final long GRANULARITY_NANOS = 1_000_000_000L;

  /** Totals over the window. */
  record Counts(long requests, long successes) {}

  private static final class Bucket {
    final long startNanos;
    long requests;
    long successes;

    Bucket(long startNanos) {
      this.startNanos = startNanos;
    }
  }

  private final long windowNanos;
  private final ArrayDeque<Bucket> buckets = new ArrayDeque<>();
  private long requests;
  private long successes;

  RequestHistory(long samplingWindowSeconds) {
    this.windowNanos = samplingWindowSeconds * 1_000_000_000L;
  }

  synchronized void record(boolean success, long nowNanos) {
    roll(nowNanos);
    Bucket newest = buckets.peekLast();
    newest.requests++;
    requests++;
    if (success) {
      newest.successes++;
      successes++;
    }
  }

  synchronized Counts counts(long nowNanos) {
    roll(nowNanos);
    return new Counts(requests, successes);
  }

  /** Envoy's {@code averageRps}: the window's requests over the oldest bucket's age (≥ 1 s). */
  synchronized long averageRps(long nowNanos) {
    if (buckets.isEmpty() || requests == 0) {
      return 0;
    }
    long seconds = Math.max(1, (nowNanos - buckets.peekFirst().startNanos) / 1_000_000_000L);
    return requests / seconds;
  }

  private void roll(long nowNanos) {
    while (!buckets.isEmpty() && nowNanos - buckets.peekFirst().startNanos >= windowNanos) {
      Bucket oldest = buckets.removeFirst();
      requests -= oldest.requests;
      successes -= oldest.successes;
    }
    if (buckets.isEmpty() || nowNanos - buckets.peekLast().startNanos >= GRANULARITY_NANOS) {
      buckets.addLast(new Bucket(nowNanos));
    }
  }
}
