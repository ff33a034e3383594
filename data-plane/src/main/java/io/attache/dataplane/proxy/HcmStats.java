package io.attache.dataplane.proxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.tracing.TraceReason;

/**
 * The HTTP connection manager's stats, {@code http.<stat_prefix>.*} as Envoy names them. Resolved
 * once per listener so the data path only touches pre-made counters.
 */
public final class HcmStats {
  public final Counter downstreamCxTotal;
  public final Gauge downstreamCxActive;
  public final Counter downstreamCxHttp1Total;
  public final Counter downstreamCxHttp2Total;
  public final Counter downstreamCxDestroyRemote;
  public final Counter downstreamCxProtocolError;
  public final Counter downstreamCxUpgradesTotal;
  public final Gauge downstreamCxUpgradesActive;
  public final Counter downstreamRqWsOnNonWsRoute;
  public final Counter downstreamRqTotal;
  public final Gauge downstreamRqActive;
  public final Counter downstreamRqHttp1Total;
  public final Counter downstreamRqHttp2Total;
  public final Counter[] downstreamRqByClass = new Counter[6];
  public final Counter downstreamRqCompleted;
  public final Counter downstreamCxDestroy;
  public final Histogram downstreamCxLengthMs;

  /** From the first request byte to the stream's end, however it ended (Envoy's timespan). */
  public final Histogram downstreamRqTime;

  public final Counter downstreamCxRxBytesTotal;
  public final Counter downstreamCxTxBytesTotal;
  // listener.<address>.http.<stat_prefix>.*: null without a listener scope.
  private final Counter[] listenerRqByClass;
  private final Counter listenerRqCompleted;
  public final Counter downstreamRqTimeout;
  public final Counter downstreamRqTooLarge;
  public final Counter downstreamRqIdleTimeout;
  public final Counter downstreamCxIdleTimeout;

  /** Connections the connection manager asked to close because the listener drains. */
  public final Counter downstreamCxDrainClose;

  /** Requests answered 503 because the overload manager stops accepting requests. */
  public final Counter downstreamRqOverloadClose;

  /** Connections whose keep-alive the overload manager disabled. */
  public final Counter downstreamCxOverloadDisableKeepalive;

  /** Why requests were (not) traced, as Envoy's {@code tracing.*}; untouched without a tracer. */
  public final Counter tracingRandomSampling;

  public final Counter tracingServiceForced;
  public final Counter tracingClientEnabled;
  public final Counter tracingNotTraceable;

  public final Counter noRoute;
  public final Counter noCluster;
  public final Counter rqDirectResponse;
  public final Counter rqRedirect;
  public final Counter downstreamRqFailedPathNormalization;
  public final Counter downstreamRqRedirectedWithNormalizedPath;

  /** The HCM's stats alone, without the per-listener copies (tests and tools). */
  public HcmStats(StatsStore store, String statPrefix) {
    this(store, statPrefix, "");
  }

  /**
   * @param listenerPrefix the listener's scope ({@code listener.<address>.}), under which Envoy
   *     also counts each HCM's completed requests by status class; empty for none
   */
  public HcmStats(StatsStore store, String statPrefix, String listenerPrefix) {
    String p = "http." + statPrefix + ".";
    downstreamCxTotal = store.counter(p + "downstream_cx_total");
    downstreamCxActive = store.gauge(p + "downstream_cx_active");
    downstreamCxHttp1Total = store.counter(p + "downstream_cx_http1_total");
    downstreamCxHttp2Total = store.counter(p + "downstream_cx_http2_total");
    downstreamCxDestroyRemote = store.counter(p + "downstream_cx_destroy_remote");
    downstreamCxProtocolError = store.counter(p + "downstream_cx_protocol_error");
    downstreamCxUpgradesTotal = store.counter(p + "downstream_cx_upgrades_total");
    downstreamCxUpgradesActive = store.gauge(p + "downstream_cx_upgrades_active");
    downstreamRqWsOnNonWsRoute = store.counter(p + "downstream_rq_ws_on_non_ws_route");
    downstreamRqTotal = store.counter(p + "downstream_rq_total");
    downstreamRqActive = store.gauge(p + "downstream_rq_active");
    downstreamRqHttp1Total = store.counter(p + "downstream_rq_http1_total");
    downstreamRqHttp2Total = store.counter(p + "downstream_rq_http2_total");
    for (int c = 1; c <= 5; c++) {
      downstreamRqByClass[c] = store.counter(p + "downstream_rq_" + c + "xx");
    }
    downstreamRqCompleted = store.counter(p + "downstream_rq_completed");
    downstreamCxDestroy = store.counter(p + "downstream_cx_destroy");
    downstreamCxLengthMs = store.histogram(p + "downstream_cx_length_ms");
    downstreamRqTime = store.histogram(p + "downstream_rq_time");
    downstreamCxRxBytesTotal = store.counter(p + "downstream_cx_rx_bytes_total");
    downstreamCxTxBytesTotal = store.counter(p + "downstream_cx_tx_bytes_total");
    if (listenerPrefix.isEmpty()) {
      listenerRqByClass = null;
      listenerRqCompleted = null;
    } else {
      String l = listenerPrefix + p;
      listenerRqByClass = new Counter[6];
      for (int c = 1; c <= 5; c++) {
        listenerRqByClass[c] = store.counter(l + "downstream_rq_" + c + "xx");
      }
      listenerRqCompleted = store.counter(l + "downstream_rq_completed");
    }
    downstreamRqTimeout = store.counter(p + "downstream_rq_timeout");
    downstreamRqTooLarge = store.counter(p + "downstream_rq_too_large");
    downstreamRqIdleTimeout = store.counter(p + "downstream_rq_idle_timeout");
    downstreamCxIdleTimeout = store.counter(p + "downstream_cx_idle_timeout");
    downstreamCxDrainClose = store.counter(p + "downstream_cx_drain_close");
    downstreamRqOverloadClose = store.counter(p + "downstream_rq_overload_close");
    downstreamCxOverloadDisableKeepalive =
        store.counter(p + "downstream_cx_overload_disable_keepalive");
    tracingRandomSampling = store.counter(p + "tracing.random_sampling");
    tracingServiceForced = store.counter(p + "tracing.service_forced");
    tracingClientEnabled = store.counter(p + "tracing.client_enabled");
    tracingNotTraceable = store.counter(p + "tracing.not_traceable");
    noRoute = store.counter(p + "no_route");
    noCluster = store.counter(p + "no_cluster");
    rqDirectResponse = store.counter(p + "rq_direct_response");
    rqRedirect = store.counter(p + "rq_redirect");
    downstreamRqFailedPathNormalization =
        store.counter(p + "downstream_rq_failed_path_normalization");
    downstreamRqRedirectedWithNormalizedPath =
        store.counter(p + "downstream_rq_redirected_with_normalized_path");
  }

  /** Counts a traced connection manager's decision for one request, as Envoy does. */
  void tracingDecision(TraceReason reason) {
    switch (reason) {
      case SAMPLING -> tracingRandomSampling.inc();
      case SERVICE_FORCED -> tracingServiceForced.inc();
      case CLIENT_FORCED -> tracingClientEnabled.inc();
      case NOT_TRACEABLE -> tracingNotTraceable.inc();
    }
  }

  /** A request completed with {@code status}: its class, here and in the listener's scope. */
  void responseCode(int status) {
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) {
      downstreamRqByClass[cls].inc();
      if (listenerRqByClass != null) {
        listenerRqByClass[cls].inc();
      }
    }
    if (listenerRqCompleted != null) {
      listenerRqCompleted.inc();
    }
  }
}
