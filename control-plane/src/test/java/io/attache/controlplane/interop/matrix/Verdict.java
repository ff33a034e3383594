package io.attache.controlplane.interop.matrix;

/** What one run observed for one client and one feature. */
public enum Verdict {
  /** The scenario passed. */
  VERIFIED,
  /** The client does not implement the feature (cited); its scenario ran and failed. */
  UNSUPPORTED,
  /** The client claims the feature and the scenario failed: a bug on one side, with the reason. */
  FAILING
}
