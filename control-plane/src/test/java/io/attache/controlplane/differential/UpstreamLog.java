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

  synchronized void add(UpstreamAttempt attempt) {
    received.add(attempt);
  }

  synchronized int mark() {
    return received.size();
  }

  synchronized List<UpstreamAttempt> since(int mark) {
    return List.copyOf(received.subList(mark, received.size()));
  }

  synchronized void clear() {
    received.clear();
  }
}
