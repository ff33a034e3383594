package io.attache.controlplane.differential;

import java.util.ArrayList;
import java.util.List;

/**
 * Every request a scenario's upstreams received, in arrival order. Requests are sent one at a time,
 * so the attempts that arrive between sending a request and reading its response are that
 * request's. Thread-safe; the upstreams append from their own threads.
 */
final class UpstreamLog {

  private final List<UpstreamAttempt> received = new ArrayList<>();
  private final List<Long> arrivedAtNanos = new ArrayList<>();

  synchronized void add(UpstreamAttempt attempt) {
    received.add(attempt);
    arrivedAtNanos.add(System.nanoTime());
  }

  synchronized int mark() {
    return received.size();
  }

  synchronized List<UpstreamAttempt> since(int mark) {
    return List.copyOf(received.subList(mark, received.size()));
  }

  /**
   * When each attempt since {@code mark} arrived ({@link System#nanoTime()}), for scenarios that
   * bound the time between attempts (per-try timeout, retry back-off).
   */
  synchronized List<Long> arrivalsSince(int mark) {
    return List.copyOf(arrivedAtNanos.subList(mark, arrivedAtNanos.size()));
  }

  synchronized void clear() {
    received.clear();
    arrivedAtNanos.clear();
  }
}
