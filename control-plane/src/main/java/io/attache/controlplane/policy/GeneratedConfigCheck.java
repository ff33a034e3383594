package io.attache.controlplane.policy;

/**
 * Checks the Envoy resources a candidate policy translates to, before {@link PolicyEditor} commits
 * it. The translation side implements it, so the policy package never depends on translation. An
 * implementation must never store or publish anything: it only refuses.
 */
@FunctionalInterface
public interface GeneratedConfigCheck {

  /** Throws a rejection naming the generated resource and field when the translation is invalid. */
  void check(PolicySnapshot candidate) throws PolicyRejection;
}
