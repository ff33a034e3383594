package io.attache.dataplane.upstream.host;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-host counters and gauges shown on the admin {@code /clusters} page, with Envoy's names. They
 * are not in the StatsStore (Envoy does not emit per-host stats either); {@code rq_active} doubles
 * as the least-request load balancer's measure of load. Safe from any thread; never blocks.
 */
public final class HostStats {
  private final LongAdder cxTotal = new LongAdder();
  private final AtomicLong cxActive = new AtomicLong();
  private final LongAdder cxConnectFail = new LongAdder();
  private final LongAdder rqTotal = new LongAdder();
  private final AtomicLong rqActive = new AtomicLong();
  private final LongAdder rqSuccess = new LongAdder();
  private final LongAdder rqError = new LongAdder();
  private final LongAdder rqTimeout = new LongAdder();

  /** How a finished request is counted against its host. */
  public enum RequestOutcome {
    SUCCESS,
    ERROR,
    TIMEOUT,
    /** Cancelled before any response: neither a success nor an error of the host. */
    NOT_ANSWERED
  }

  public void onConnectionOpened() {
    cxTotal.increment();
    cxActive.incrementAndGet();
  }

  public void onConnectionClosed() {
    cxActive.decrementAndGet();
  }

  public void onConnectFailure() {
    cxConnectFail.increment();
  }

  public void onRequestStarted() {
    rqTotal.increment();
    rqActive.incrementAndGet();
  }

  /** Ends a request started with {@link #onRequestStarted()}; a timeout also counts as an error. */
  public void onRequestFinished(RequestOutcome outcome) {
    rqActive.decrementAndGet();
    switch (outcome) {
      case SUCCESS -> rqSuccess.increment();
      case ERROR -> rqError.increment();
      case TIMEOUT -> {
        rqTimeout.increment();
        rqError.increment();
      }
      case NOT_ANSWERED -> {}
    }
  }

  public long cxTotal() {
    return cxTotal.sum();
  }

  public long cxActive() {
    return cxActive.get();
  }

  public long cxConnectFail() {
    return cxConnectFail.sum();
  }

  public long rqTotal() {
    return rqTotal.sum();
  }

  public long rqActive() {
    return rqActive.get();
  }

  public long rqSuccess() {
    return rqSuccess.sum();
  }

  public long rqError() {
    return rqError.sum();
  }

  public long rqTimeout() {
    return rqTimeout.sum();
  }

  /** All values by Envoy's per-host stat name, in the order the admin page prints them. */
  public Map<String, Long> snapshot() {
    Map<String, Long> values = new LinkedHashMap<>();
    values.put("cx_total", cxTotal());
    values.put("cx_active", cxActive());
    values.put("cx_connect_fail", cxConnectFail());
    values.put("rq_total", rqTotal());
    values.put("rq_active", rqActive());
    values.put("rq_success", rqSuccess());
    values.put("rq_error", rqError());
    values.put("rq_timeout", rqTimeout());
    return values;
  }
}
