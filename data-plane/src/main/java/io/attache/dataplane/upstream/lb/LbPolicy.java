package io.attache.dataplane.upstream.lb;

/** {@code lb_policy}. */
public enum LbPolicy {
  ROUND_ROBIN,
  LEAST_REQUEST,
  RANDOM,
  RING_HASH,
  /** The cluster picks its own host (ORIGINAL_DST only). */
  CLUSTER_PROVIDED
}
