package io.attache.dataplane.xds;

import java.util.Optional;

/**
 * The integrator's answer to a snapshot: applied, or rejected with a reason the client sends back
 * to the control plane in a NACK, and, when it knows it, the resource that could not be applied.
 */
public record ApplyResult(Outcome outcome, String reason, Optional<Dependency.Key> resource) {
  private static final ApplyResult ACCEPTED =
      new ApplyResult(Outcome.ACCEPTED, "", Optional.empty());

  /** Whether the running proxy now serves the snapshot. */
  public enum Outcome {
    ACCEPTED,
    REJECTED
  }

  public static ApplyResult accepted() {
    return ACCEPTED;
  }

  public static ApplyResult rejected(String reason) {
    return new ApplyResult(Outcome.REJECTED, reason, Optional.empty());
  }

  /**
   * Rejected because of one resource: the config dump shows the {@code error_state} on it when the
   * rejected response carried it.
   */
  public static ApplyResult rejected(String reason, XdsResourceType type, String name) {
    return new ApplyResult(Outcome.REJECTED, reason, Optional.of(new Dependency.Key(type, name)));
  }
}
