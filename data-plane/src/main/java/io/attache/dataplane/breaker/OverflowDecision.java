package io.attache.dataplane.breaker;

import io.attache.dataplane.accesslog.ResponseFlag;
import java.util.Optional;

/**
 * The answer to "may I take one more of this cluster resource?": {@link #ADMITTED}, or which
 * circuit breaker overflowed. The overflow counter named by {@link #overflowStat()} has already
 * been incremented by the {@link ResourceManager} when this is returned; the caller only acts on
 * {@link #consequence()}.
 */
public enum OverflowDecision {
  ADMITTED("", Consequence.PROCEED),
  /**
   * {@code max_connections} (cluster) or {@code per_host_thresholds.max_connections}: Envoy does
   * not fail the request; it opens no new connection and the request waits as pending for one that
   * frees up (bounded by {@code max_pending_requests}).
   */
  CONNECTIONS("upstream_cx_overflow", Consequence.QUEUE_WITHOUT_NEW_CONNECTION),
  /** {@code max_pending_requests}: the request is failed at once. */
  PENDING_REQUESTS("upstream_rq_pending_overflow", Consequence.FAIL_OVERLOADED),
  /**
   * {@code max_requests}: the request is failed at once; Envoy 1.40 counts it as {@code
   * upstream_rq_active_overflow} (checked against the binary by EdgeDifferentialIT).
   */
  REQUESTS("upstream_rq_active_overflow", Consequence.FAIL_OVERLOADED),
  /**
   * {@code max_retries} or {@code retry_budget}: the retry is not attempted; the response already
   * received (or the reset) is passed downstream, flagged UO.
   */
  RETRIES("upstream_rq_retry_overflow", Consequence.DO_NOT_RETRY),
  /**
   * {@code max_connection_pools}, after trying to free an idle pool: Envoy has no pool to send on
   * and answers as for "no healthy upstream" (503, flag UH, no {@code x-envoy-overloaded}).
   */
  CONNECTION_POOLS("upstream_cx_pool_overflow", Consequence.FAIL_NO_HEALTHY_UPSTREAM);

  /** The header Envoy's router adds to a local reply caused by a circuit breaker overflow. */
  public static final String OVERLOADED_HEADER = "x-envoy-overloaded";

  public static final String OVERLOADED_HEADER_VALUE = "true";

  /** What the request path does about an overflow, as Envoy's router and pools do. */
  public enum Consequence {
    PROCEED,
    /** Open no new connection; queue the request for an existing one. */
    QUEUE_WITHOUT_NEW_CONNECTION,
    /** Local reply 503 with {@code x-envoy-overloaded: true}, response flag UO. */
    FAIL_OVERLOADED,
    /** Local reply 503 "no healthy upstream", response flag UH. */
    FAIL_NO_HEALTHY_UPSTREAM,
    /** Do not retry; forward what was received, response flag UO. */
    DO_NOT_RETRY
  }

  private final String overflowStat;
  private final Consequence consequence;

  OverflowDecision(String overflowStat, Consequence consequence) {
    this.overflowStat = overflowStat;
    this.consequence = consequence;
  }

  public boolean admitted() {
    return this == ADMITTED;
  }

  /** The cluster counter (without the {@code cluster.<name>.} prefix) this overflow counted. */
  public String overflowStat() {
    return overflowStat;
  }

  public Consequence consequence() {
    return consequence;
  }

  /** The response flag the access log shows for this overflow, if any. */
  public Optional<ResponseFlag> responseFlag() {
    return switch (consequence) {
      case FAIL_OVERLOADED, DO_NOT_RETRY -> Optional.of(ResponseFlag.UPSTREAM_OVERFLOW);
      case FAIL_NO_HEALTHY_UPSTREAM -> Optional.of(ResponseFlag.NO_HEALTHY_UPSTREAM);
      case PROCEED, QUEUE_WITHOUT_NEW_CONNECTION -> Optional.empty();
    };
  }
}
