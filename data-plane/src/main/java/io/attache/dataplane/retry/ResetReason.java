package io.attache.dataplane.retry;

/**
 * Why an upstream attempt ended without a response, in Envoy's {@code StreamResetReason} terms, for
 * {@link RetryState#shouldRetryReset}. A per-try timeout is reported as {@link #LOCAL_RESET}, as
 * Envoy's router does.
 */
public enum ResetReason {
  /** Could not connect (refused, unreachable, TLS handshake failed). */
  CONNECTION_FAILURE,
  /** The connect timeout fired. */
  CONNECTION_TIMEOUT,
  /** The connection closed under a started request. */
  CONNECTION_TERMINATION,
  /** We reset the stream (including a per-try timeout). */
  LOCAL_RESET,
  /** The upstream reset the stream. */
  REMOTE_RESET,
  /** The upstream refused the HTTP/2 stream (REFUSED_STREAM): safe to retry. */
  REMOTE_REFUSED_STREAM,
  /** A circuit breaker refused the attempt: never retried. */
  OVERFLOW,
  /** The upstream spoke the protocol wrong. */
  PROTOCOL_ERROR;

  boolean isConnectFailure() {
    return this == CONNECTION_FAILURE || this == CONNECTION_TIMEOUT;
  }
}
