package io.attache.controlplane.xds;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every refused xDS stream or request: logged at WARN (node id, claimed identity, reason — never a
 * key or token) and the most recent ones kept for the tests and the operator. Thread-safe.
 */
public final class RefusalLog {

  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);
  private static final int KEPT = 100;

  /** One refusal. {@code what} is a type URL, or "stream" when the whole stream was refused. */
  public record Refusal(
      Instant at, String nodeId, String claimedIdentity, String what, String reason) {}

  private final Clock clock;
  private final Deque<Refusal> recent = new ArrayDeque<>();

  public RefusalLog(Clock clock) {
    this.clock = clock;
  }

  void refused(String nodeId, String claimedIdentity, String what, String reason) {
    Refusal refusal = new Refusal(clock.instant(), nodeId, claimedIdentity, what, reason);
    log.warn(
        "xDS refused: node '{}' claiming {} asked for {}: {}",
        nodeId,
        claimedIdentity,
        what,
        reason);
    synchronized (recent) {
      recent.addLast(refusal);
      while (recent.size() > KEPT) {
        recent.removeFirst();
      }
    }
  }

  /** Oldest first. */
  public List<Refusal> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }
}
