package io.attache.dataplane.filter.rbac;

/**
 * What the RBAC filter enforces or shadows: either {@code rules} ({@link RbacEngine}) or a {@code
 * matcher} tree ({@link RbacMatcherEngine}). Immutable; safe to share across event loops.
 */
public interface RbacPolicies {
  /** The decision for one request and the policy (or matcher action) name that decided it. */
  RbacEngine.Evaluation evaluate(RbacRequest request);

  /** True when a decision only logs (a {@code LOG} engine): allowed, reported as "logged". */
  default boolean logOnly() {
    return false;
  }
}
