package io.attache.controlplane.replica;

import java.util.Optional;

/**
 * Whether this replica can reach the shared store right now, as its last contacts found: the
 * commit-notification session and the periodic head check must both be fine. {@code /readyz} reads
 * it, so a replica that cannot see the store is taken out of rotation while it keeps serving the
 * last snapshot to the proxies already connected. Thread-safe.
 */
public final class StoreHealth {

  private boolean listening;
  private String listenerProblem = "not yet listening for commits";
  private String headProblem;

  /** Nothing known to be wrong, nothing to listen to: the embedded store's health. */
  public static StoreHealth alwaysUp() {
    StoreHealth health = new StoreHealth();
    health.listening(true);
    return health;
  }

  public synchronized void listening(boolean isListening) {
    listening = isListening;
    if (isListening) {
      listenerProblem = null;
    }
  }

  public synchronized void listenerLost(String reason) {
    listening = false;
    listenerProblem = "commit notifications lost: " + reason;
  }

  public synchronized void headRead() {
    headProblem = null;
  }

  public synchronized void headUnreadable(String reason) {
    headProblem = "cannot read the head revision: " + reason;
  }

  public synchronized boolean up() {
    return listening && headProblem == null;
  }

  /** What is wrong, when something is. */
  public synchronized Optional<String> problem() {
    if (headProblem != null) {
      return Optional.of(headProblem);
    }
    return listening ? Optional.empty() : Optional.ofNullable(listenerProblem);
  }
}
