package io.attache.dataplane.drain;

/** Which listeners a drain covers (Envoy's {@code Network::DrainDirection}). */
public enum DrainDirection {
  /** Every listener. */
  ALL,
  /** Only listeners whose {@code traffic_direction} is {@code INBOUND} ({@code ?inboundonly}). */
  INBOUND_ONLY;

  /** Whether a drain in this direction covers a listener that is (or is not) inbound. */
  public boolean covers(boolean inboundListener) {
    return this == ALL || inboundListener;
  }

  /** Whether a drain in this direction already includes everything {@code other} asks for. */
  public boolean includes(DrainDirection other) {
    return this == ALL || other == INBOUND_ONLY;
  }
}
