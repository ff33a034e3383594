package io.attache.dataplane.proxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

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
  public final Counter downstreamRqTotal;
  public final Gauge downstreamRqActive;
  public final Counter downstreamRqHttp1Total;
  public final Counter downstreamRqHttp2Total;
  public final Counter[] downstreamRqByClass = new Counter[6];
  public final Counter downstreamRqCompleted;
  public final Counter downstreamRqTimeout;
  public final Counter downstreamRqIdleTimeout;
  public final Counter downstreamCxIdleTimeout;
  public final Counter noRoute;
  public final Counter noCluster;
  public final Counter rqDirectResponse;
  public final Counter rqRedirect;
  public final Counter downstreamRqFailedPathNormalization;
  public final Counter downstreamRqRedirectedWithNormalizedPath;

  public HcmStats(StatsStore store, String statPrefix) {
    String p = "http." + statPrefix + ".";
    downstreamCxTotal = store.counter(p + "downstream_cx_total");
    downstreamCxActive = store.gauge(p + "downstream_cx_active");
    downstreamCxHttp1Total = store.counter(p + "downstream_cx_http1_total");
    downstreamCxHttp2Total = store.counter(p + "downstream_cx_http2_total");
    downstreamCxDestroyRemote = store.counter(p + "downstream_cx_destroy_remote");
    downstreamCxProtocolError = store.counter(p + "downstream_cx_protocol_error");
    downstreamRqTotal = store.counter(p + "downstream_rq_total");
    downstreamRqActive = store.gauge(p + "downstream_rq_active");
    downstreamRqHttp1Total = store.counter(p + "downstream_rq_http1_total");
    downstreamRqHttp2Total = store.counter(p + "downstream_rq_http2_total");
    for (int c = 1; c <= 5; c++) {
      downstreamRqByClass[c] = store.counter(p + "downstream_rq_" + c + "xx");
    }
    downstreamRqCompleted = store.counter(p + "downstream_rq_completed");
    downstreamRqTimeout = store.counter(p + "downstream_rq_timeout");
    downstreamRqIdleTimeout = store.counter(p + "downstream_rq_idle_timeout");
    downstreamCxIdleTimeout = store.counter(p + "downstream_cx_idle_timeout");
    noRoute = store.counter(p + "no_route");
    noCluster = store.counter(p + "no_cluster");
    rqDirectResponse = store.counter(p + "rq_direct_response");
    rqRedirect = store.counter(p + "rq_redirect");
    downstreamRqFailedPathNormalization =
        store.counter(p + "downstream_rq_failed_path_normalization");
    downstreamRqRedirectedWithNormalizedPath =
        store.counter(p + "downstream_rq_redirected_with_normalized_path");
  }

  void responseCode(int status) {
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) {
      downstreamRqByClass[cls].inc();
    }
  }
}
