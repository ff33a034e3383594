package io.attache.dataplane.upstream;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostSet;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A cluster's counters and gauges, named as Envoy names them ({@code cluster.<name>.<stat>}),
 * looked up once when the cluster is built so the request path only increments. The pools and the
 * router update the {@code upstream_*} stats; the cluster itself updates membership, DNS and LB
 * stats.
 */
public final class ClusterStats {
  private final StatsStore store;
  private final String prefix;
  private final Counter upstreamCxTotal;
  private final Gauge upstreamCxActive;
  private final Counter upstreamCxConnectFail;
  private final Counter upstreamCxConnectTimeout;
  private final Counter upstreamCxConnectAttemptsExceeded;
  private final Counter upstreamCxDestroy;
  private final Counter upstreamCxDestroyLocal;
  private final Counter upstreamCxDestroyRemote;
  private final Counter upstreamCxHttp1Total;
  private final Counter upstreamCxHttp2Total;
  private final Counter upstreamCxRxBytesTotal;
  private final Counter upstreamCxTxBytesTotal;
  private final Histogram upstreamCxConnectMs;
  private final Histogram upstreamCxLengthMs;
  private final Histogram upstreamRqTime;
  private final Counter upstreamRqTotal;
  private final Gauge upstreamRqActive;
  private final Counter upstreamRqPendingTotal;
  private final Gauge upstreamRqPendingActive;
  private final Counter upstreamRqTimeout;
  private final Counter upstreamRqPerTryTimeout;
  private final Counter upstreamRqPerTryIdleTimeout;
  private final Counter upstreamRqRxReset;
  private final Counter upstreamRqTxReset;
  private final ResponseCodeCounters responses;
  private final ResponseCodeCounters externalResponses;
  private final ResponseCodeCounters internalResponses;
  private final ResponseCodeCounters retriedResponses;
  private final Gauge membershipTotal;
  private final Gauge membershipHealthy;
  private final Gauge membershipDegraded;
  private final Counter membershipChange;
  private final Counter updateAttempt;
  private final Counter updateSuccess;
  private final Counter updateFailure;
  private final Counter updateEmpty;
  private final Counter updateNoRebuild;
  private final Counter originalDstHostInvalid;
  private final Counter upstreamCxNoneHealthy;
  private final Counter lbHealthyPanic;
  private final Gauge maxHostWeight;

  public ClusterStats(StatsStore store, String clusterName) {
    this.store = store;
    this.prefix = "cluster." + clusterName + ".";
    upstreamCxTotal = counter("upstream_cx_total");
    upstreamCxActive = gauge("upstream_cx_active");
    upstreamCxConnectFail = counter("upstream_cx_connect_fail");
    upstreamCxConnectTimeout = counter("upstream_cx_connect_timeout");
    upstreamCxConnectAttemptsExceeded = counter("upstream_cx_connect_attempts_exceeded");
    upstreamCxDestroy = counter("upstream_cx_destroy");
    upstreamCxDestroyLocal = counter("upstream_cx_destroy_local");
    upstreamCxDestroyRemote = counter("upstream_cx_destroy_remote");
    upstreamCxHttp1Total = counter("upstream_cx_http1_total");
    upstreamCxHttp2Total = counter("upstream_cx_http2_total");
    upstreamCxRxBytesTotal = counter("upstream_cx_rx_bytes_total");
    upstreamCxTxBytesTotal = counter("upstream_cx_tx_bytes_total");
    upstreamCxConnectMs = store.histogram(prefix + "upstream_cx_connect_ms");
    upstreamCxLengthMs = store.histogram(prefix + "upstream_cx_length_ms");
    upstreamRqTime = store.histogram(prefix + "upstream_rq_time");
    upstreamRqTotal = counter("upstream_rq_total");
    upstreamRqActive = gauge("upstream_rq_active");
    upstreamRqPendingTotal = counter("upstream_rq_pending_total");
    upstreamRqPendingActive = gauge("upstream_rq_pending_active");
    upstreamRqTimeout = counter("upstream_rq_timeout");
    upstreamRqPerTryTimeout = counter("upstream_rq_per_try_timeout");
    upstreamRqPerTryIdleTimeout = counter("upstream_rq_per_try_idle_timeout");
    upstreamRqRxReset = counter("upstream_rq_rx_reset");
    upstreamRqTxReset = counter("upstream_rq_tx_reset");
    responses = new ResponseCodeCounters(store, prefix);
    responses.eager();
    externalResponses = new ResponseCodeCounters(store, prefix + "external.");
    internalResponses = new ResponseCodeCounters(store, prefix + "internal.");
    retriedResponses = new ResponseCodeCounters(store, prefix + "retry.");
    membershipTotal = gauge("membership_total");
    membershipHealthy = gauge("membership_healthy");
    membershipDegraded = gauge("membership_degraded");
    membershipChange = counter("membership_change");
    updateAttempt = counter("update_attempt");
    updateSuccess = counter("update_success");
    updateFailure = counter("update_failure");
    updateEmpty = counter("update_empty");
    updateNoRebuild = counter("update_no_rebuild");
    originalDstHostInvalid = counter("original_dst_host_invalid");
    upstreamCxNoneHealthy = counter("upstream_cx_none_healthy");
    lbHealthyPanic = counter("lb_healthy_panic");
    maxHostWeight = gauge("max_host_weight");
  }

  private Counter counter(String stat) {
    return store.counter(prefix + stat);
  }

  private Gauge gauge(String stat) {
    return store.gauge(prefix + stat);
  }

  /**
   * Charges one response code as Envoy's router does ({@code chargeUpstreamCode}): the response
   * forwarded downstream, or the local answer (504, 503) for a request whose last try failed.
   * Counts {@code upstream_rq_completed}, {@code upstream_rq_<N>xx} and {@code upstream_rq_<code>},
   * and the same under {@code internal.} (an {@code x-envoy-internal} request) or {@code
   * external.}. A status outside 100..599 is not a response and is not counted.
   */
  public void chargeResponse(int status, boolean internalRequest) {
    if (responses.charge(status)) {
      (internalRequest ? internalResponses : externalResponses).charge(status);
    }
  }

  /**
   * Charges a response the router retried instead of forwarding, under {@code retry.} only ({@code
   * retry.upstream_rq_completed}, {@code retry.upstream_rq_<N>xx}, {@code
   * retry.upstream_rq_<code>}), as Envoy does.
   */
  public void chargeRetriedResponse(int status) {
    retriedResponses.charge(status);
  }

  /**
   * {@code <prefix>upstream_rq_completed}, {@code _<N>xx} and {@code _<code>} for one prefix;
   * counters are looked up on first use, as Envoy creates these dynamic stats when first charged.
   */
  private static final class ResponseCodeCounters {
    private final StatsStore store;
    private final String prefix;
    private volatile Counter completed;
    private final AtomicReferenceArray<Counter> byClass = new AtomicReferenceArray<>(6);
    // Allocated on the first response: four of these per cluster, most never charged (internal,
    // retry), and 600 slots each were ≈ 1 MB of heap for a 100-cluster proxy.
    private volatile AtomicReferenceArray<Counter> byCode;

    ResponseCodeCounters(StatsStore store, String prefix) {
      this.store = store;
      this.prefix = prefix;
    }

    /** Lists completed and the class counters before any response, as Envoy's cluster stats do. */
    void eager() {
      completed = store.counter(prefix + "upstream_rq_completed");
      for (int statusClass = 1; statusClass <= 5; statusClass++) {
        byClass.set(statusClass, store.counter(prefix + "upstream_rq_" + statusClass + "xx"));
      }
    }

    boolean charge(int status) {
      if (status < 100 || status > 599) {
        return false;
      }
      Counter c = completed;
      if (c == null) {
        // Racing threads get the same counter from the store.
        c = store.counter(prefix + "upstream_rq_completed");
        completed = c;
      }
      c.inc();
      lookUp(byClass, status / 100, "xx").inc();
      AtomicReferenceArray<Counter> codes = byCode;
      if (codes == null) {
        // A racing thread's array may replace this one: its counters come again from the store.
        codes = new AtomicReferenceArray<>(600);
        byCode = codes;
      }
      lookUp(codes, status, "").inc();
      return true;
    }

    /**
     * The cached counter {@code upstream_rq_<index><suffix>}; its name is built only on the first
     * charge (building it on every response was 2 % of the bytes a request allocates).
     */
    private Counter lookUp(AtomicReferenceArray<Counter> cache, int index, String suffix) {
      Counter counter = cache.get(index);
      if (counter == null) {
        counter = store.counter(prefix + "upstream_rq_" + index + suffix);
        cache.set(index, counter);
      }
      return counter;
    }
  }

  /** Sets the membership gauges from a new host snapshot. */
  void onMembership(PrioritySet hosts) {
    long total = 0;
    long healthy = 0;
    long degraded = 0;
    long maxWeight = 0;
    for (HostSet set : hosts.hostSets()) {
      total += set.hosts().size();
      healthy += set.healthyHosts().size();
      degraded += set.degradedHosts().size();
      for (Host host : set.hosts()) {
        maxWeight = Math.max(maxWeight, host.weight());
      }
    }
    membershipTotal.set(total);
    membershipHealthy.set(healthy);
    membershipDegraded.set(degraded);
    maxHostWeight.set(maxWeight);
  }

  public Counter upstreamCxTotal() {
    return upstreamCxTotal;
  }

  public Gauge upstreamCxActive() {
    return upstreamCxActive;
  }

  public Counter upstreamCxConnectFail() {
    return upstreamCxConnectFail;
  }

  public Counter upstreamCxConnectTimeout() {
    return upstreamCxConnectTimeout;
  }

  /** tcp_proxy gave up on a connection after {@code max_connect_attempts} failed connects. */
  public Counter upstreamCxConnectAttemptsExceeded() {
    return upstreamCxConnectAttemptsExceeded;
  }

  public Counter upstreamCxDestroy() {
    return upstreamCxDestroy;
  }

  public Counter upstreamCxDestroyLocal() {
    return upstreamCxDestroyLocal;
  }

  public Counter upstreamCxDestroyRemote() {
    return upstreamCxDestroyRemote;
  }

  public Counter upstreamCxHttp1Total() {
    return upstreamCxHttp1Total;
  }

  public Counter upstreamCxHttp2Total() {
    return upstreamCxHttp2Total;
  }

  public Counter upstreamCxRxBytesTotal() {
    return upstreamCxRxBytesTotal;
  }

  public Counter upstreamCxTxBytesTotal() {
    return upstreamCxTxBytesTotal;
  }

  public Histogram upstreamCxConnectMs() {
    return upstreamCxConnectMs;
  }

  public Histogram upstreamCxLengthMs() {
    return upstreamCxLengthMs;
  }

  /** Envoy's {@code upstream_rq_time}: from the downstream request's end to the response's end. */
  public Histogram upstreamRqTime() {
    return upstreamRqTime;
  }

  public Counter upstreamRqTotal() {
    return upstreamRqTotal;
  }

  public Gauge upstreamRqActive() {
    return upstreamRqActive;
  }

  public Counter upstreamRqPendingTotal() {
    return upstreamRqPendingTotal;
  }

  public Gauge upstreamRqPendingActive() {
    return upstreamRqPendingActive;
  }

  /** The route's timeout ({@code timeout}) expired while this try was in flight. */
  public Counter upstreamRqTimeout() {
    return upstreamRqTimeout;
  }

  /** The try's own {@code per_try_timeout} expired. */
  public Counter upstreamRqPerTryTimeout() {
    return upstreamRqPerTryTimeout;
  }

  /** The try's {@code per_try_idle_timeout} expired. */
  public Counter upstreamRqPerTryIdleTimeout() {
    return upstreamRqPerTryIdleTimeout;
  }

  public Counter upstreamRqRxReset() {
    return upstreamRqRxReset;
  }

  public Counter upstreamRqTxReset() {
    return upstreamRqTxReset;
  }

  public Gauge membershipTotal() {
    return membershipTotal;
  }

  public Gauge membershipHealthy() {
    return membershipHealthy;
  }

  public Gauge membershipDegraded() {
    return membershipDegraded;
  }

  public Counter membershipChange() {
    return membershipChange;
  }

  public Counter updateAttempt() {
    return updateAttempt;
  }

  public Counter updateSuccess() {
    return updateSuccess;
  }

  public Counter updateFailure() {
    return updateFailure;
  }

  /** A request or connection found no host to go to ("no healthy upstream"). */
  public Counter upstreamCxNoneHealthy() {
    return upstreamCxNoneHealthy;
  }

  /** An ORIGINAL_DST cluster's override header held no {@code ip:port}. */
  public Counter originalDstHostInvalid() {
    return originalDstHostInvalid;
  }

  public Counter updateEmpty() {
    return updateEmpty;
  }

  public Counter updateNoRebuild() {
    return updateNoRebuild;
  }

  public Counter lbHealthyPanic() {
    return lbHealthyPanic;
  }

  public Gauge maxHostWeight() {
    return maxHostWeight;
  }
}
