package io.attache.dataplane.tcpproxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code tcp.<stat_prefix>.*} statistics of one tcp_proxy filter, by Envoy's names, so a
 * dashboard built for Envoy reads them unchanged.
 */
public final class TcpProxyStats {
  final Counter downstreamCxTotal;
  final Counter downstreamCxNoRoute;
  final Counter downstreamCxRxBytesTotal;
  final Counter downstreamCxTxBytesTotal;
  final Counter idleTimeout;
  final Counter maxDownstreamConnectionDuration;

  public TcpProxyStats(StatsStore store, String statPrefix) {
    String prefix = "tcp." + statPrefix + ".";
    downstreamCxTotal = store.counter(prefix + "downstream_cx_total");
    downstreamCxNoRoute = store.counter(prefix + "downstream_cx_no_route");
    downstreamCxRxBytesTotal = store.counter(prefix + "downstream_cx_rx_bytes_total");
    downstreamCxTxBytesTotal = store.counter(prefix + "downstream_cx_tx_bytes_total");
    idleTimeout = store.counter(prefix + "idle_timeout");
    maxDownstreamConnectionDuration = store.counter(prefix + "max_downstream_connection_duration");
  }
}
