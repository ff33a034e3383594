package io.attache.dataplane.retry;

import io.attache.dataplane.accesslog.ResponseFlag;
import java.util.Optional;

/** The answer of {@link RetryState} for one attempt's outcome, as Envoy's {@code RetryStatus}. */
public enum RetryStatus {
  /** Retry after {@link RetryState#nextBackOff()}; the retry holds one cluster retry resource. */
  YES,
  /**
   * Would retry, but the cluster's {@code max_retries} / {@code retry_budget} is exhausted ({@code
   * upstream_rq_retry_overflow} counted): pass the outcome downstream, flag UO.
   */
  NO_OVERFLOW,
  /**
   * Would retry, but this request used all its retries ({@code upstream_rq_retry_limit_exceeded}
   * counted): pass the outcome downstream, flag URX.
   */
  NO_RETRY_LIMIT_EXCEEDED,
  /** The outcome is not retriable (or the request is not): pass it downstream. */
  NO_NOT_RETRIABLE;

  /** The response flag Envoy's router sets for this answer, if any. */
  public Optional<ResponseFlag> responseFlag() {
    return switch (this) {
      case NO_OVERFLOW -> Optional.of(ResponseFlag.UPSTREAM_OVERFLOW);
      case NO_RETRY_LIMIT_EXCEEDED -> Optional.of(ResponseFlag.UPSTREAM_RETRY_LIMIT_EXCEEDED);
      case YES, NO_NOT_RETRIABLE -> Optional.empty();
    };
  }
}
