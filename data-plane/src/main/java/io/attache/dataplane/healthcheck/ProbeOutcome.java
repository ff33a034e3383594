package io.attache.dataplane.healthcheck;

/** How one active health check of one host ended, in Envoy's terms. */
public enum ProbeOutcome {
  /** Passed. */
  HEALTHY,
  /** Passed, but the host asked to be used only when needed ({@code x-envoy-degraded}). */
  DEGRADED,
  /** Failed in a way that fails the host at once (an unexpected HTTP status). */
  UNHEALTHY,
  /**
   * Failed with a {@code retriable_statuses} status: counts towards {@code unhealthy_threshold}.
   */
  UNHEALTHY_RETRIABLE,
  /**
   * No answer: connect failure, reset, or the connection closed early; counts towards the
   * threshold.
   */
  NETWORK_FAILURE
}
