package io.attache.dataplane.tracing;

/**
 * The traffic direction of a connection manager's spans, which Envoy takes from the listener's
 * {@code traffic_direction} (OUTBOUND is EGRESS, anything else INGRESS). It names the downstream
 * span and, without {@code spawn_upstream_span}, decides its kind.
 */
public enum OperationName {
  INGRESS,
  EGRESS
}
