package io.attache.dataplane.drain;

/**
 * Whether a connection of one listener should be asked to close now (Envoy's {@code
 * DrainDecision::drainClose}): the HTTP connection manager asks on every response and, on the first
 * yes, closes an HTTP/1.1 connection after the response or starts HTTP/2's GOAWAY sequence. Called
 * on event loops; must be cheap and must never block.
 */
@FunctionalInterface
public interface DrainDecision {
  /** Never drains: listeners outside a server (tests, tools). */
  DrainDecision NEVER = () -> false;

  boolean drainClose();
}
