package io.attache.dataplane.udpproxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's {@code udp.<stat_prefix>.*} statistics of one UDP proxy filter, by Envoy's names, so a
 * dashboard built for Envoy reads them unchanged.
 */
final class UdpProxyStats {
  final Counter downstreamSessNoRoute;
  final Counter downstreamSessRxBytes;
  final Counter downstreamSessRxDatagrams;
  final Counter downstreamSessRxErrors;
  final Counter downstreamSessTotal;
  final Counter downstreamSessTxBytes;
  final Counter downstreamSessTxDatagrams;
  final Counter downstreamSessTxErrors;
  final Counter idleTimeout;
  final Gauge downstreamSessActive;

  UdpProxyStats(StatsStore store, String statPrefix) {
    String prefix = "udp." + statPrefix + ".";
    downstreamSessNoRoute = store.counter(prefix + "downstream_sess_no_route");
    downstreamSessRxBytes = store.counter(prefix + "downstream_sess_rx_bytes");
    downstreamSessRxDatagrams = store.counter(prefix + "downstream_sess_rx_datagrams");
    downstreamSessRxErrors = store.counter(prefix + "downstream_sess_rx_errors");
    downstreamSessTotal = store.counter(prefix + "downstream_sess_total");
    downstreamSessTxBytes = store.counter(prefix + "downstream_sess_tx_bytes");
    downstreamSessTxDatagrams = store.counter(prefix + "downstream_sess_tx_datagrams");
    downstreamSessTxErrors = store.counter(prefix + "downstream_sess_tx_errors");
    idleTimeout = store.counter(prefix + "idle_timeout");
    downstreamSessActive = store.gauge(prefix + "downstream_sess_active");
  }

  /** Envoy's {@code cluster.<name>.udp.sess_*}: one cluster's side of the UDP sessions. */
  record ClusterUdpStats(
      Counter sessRxDatagrams,
      Counter sessRxDatagramsDropped,
      Counter sessRxErrors,
      Counter sessTxDatagrams,
      Counter sessTxErrors) {
    static ClusterUdpStats of(StatsStore store, String cluster) {
      String prefix = "cluster." + cluster + ".udp.";
      return new ClusterUdpStats(
          store.counter(prefix + "sess_rx_datagrams"),
          store.counter(prefix + "sess_rx_datagrams_dropped"),
          store.counter(prefix + "sess_rx_errors"),
          store.counter(prefix + "sess_tx_datagrams"),
          store.counter(prefix + "sess_tx_errors"));
    }
  }
}
