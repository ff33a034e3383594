package io.attache.dataplane.http2;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * The counters of downstream HTTP/2 hardening, under Envoy's names: the codec tree {@code http2.}
 * and the HCM tree {@code http.<stat_prefix>.}. Looked up once per listener config; thread-safe.
 */
final class Http2Stats {
  /** Requests refused as malformed (RFC 9113 §8.1.1), by Netty's checks or ours. */
  final Counter rxMessagingError;

  /** RST_STREAM frames received. */
  final Counter rxReset;

  /** Connections closed because control frames (ACKs, resets) queued up unwritten. */
  final Counter outboundControlFlood;

  /** Connections closed for a protocol error of the peer. */
  final Counter downstreamCxProtocolError;

  /** Connections closed by the premature-reset rule. */
  final Counter downstreamRqTooManyPrematureResets;

  Http2Stats(StatsStore store, String statPrefix) {
    String hcm = "http." + statPrefix + ".";
    rxMessagingError = store.counter("http2.rx_messaging_error");
    rxReset = store.counter("http2.rx_reset");
    outboundControlFlood = store.counter("http2.outbound_control_flood");
    downstreamCxProtocolError = store.counter(hcm + "downstream_cx_protocol_error");
    downstreamRqTooManyPrematureResets =
        store.counter(hcm + "downstream_rq_too_many_premature_resets");
  }
}
