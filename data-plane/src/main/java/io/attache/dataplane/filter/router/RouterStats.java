package io.attache.dataplane.filter.router;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * The router's counters under the connection manager's scope, {@code http.<stat_prefix>.*}, as
 * Envoy names them. Resolved once per listener.
 */
final class RouterStats {
  final Counter noRoute;
  final Counter noCluster;
  final Counter rqDirectResponse;
  final Counter rqTotal;

  RouterStats(StatsStore store, String statPrefix) {
    String p = "http." + statPrefix + ".";
    rqTotal = store.counter(p + "rq_total"); // every request the router's decodeHeaders sees
    noRoute = store.counter(p + "no_route");
    noCluster = store.counter(p + "no_cluster");
    rqDirectResponse = store.counter(p + "rq_direct_response");
    // Envoy has rq_redirect but counts a redirect route as rq_direct_response: it stays at 0.
    store.counter(p + "rq_redirect");
  }
}
