package io.attache.dataplane.xds;

/**
 * The integrator's answer to a snapshot: applied, or rejected with a reason the client sends back
 * to the control plane in a NACK.
 */
public record ApplyResult(Outcome outcome, String reason) {
  private static final ApplyResult ACCEPTED = new ApplyResult(Outcome.ACCEPTED, "");

  /** Whether the running proxy now serves the snapshot. */
  public enum Outcome {
    ACCEPTED,
    REJECTED
  }

  public static ApplyResult accepted() {
    return ACCEPTED;
  }

  public static ApplyResult rejected(String reason) {
    return new ApplyResult(Outcome.REJECTED, reason);
  }
}
