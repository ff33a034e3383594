package io.attache.dataplane.listenerfilter;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;

/**
 * The listener filters' statistics by Envoy's names: {@code tls_inspector.*} and {@code
 * http_inspector.*} (global, as in Envoy), {@code proxy_proto.*} and the listener's {@code
 * downstream_pre_cx_timeout} and {@code downstream_pre_cx_active} under {@code listener.<stat
 * scope>.}.
 */
public final class ListenerFilterStats {
  final Counter tlsFound;
  final Counter tlsNotFound;
  final Counter sniFound;
  final Counter sniNotFound;
  final Counter alpnFound;
  final Counter alpnNotFound;
  final Counter clientHelloTooLarge;
  final Counter http10Found;
  final Counter http11Found;
  final Counter http2Found;
  final Counter httpNotFound;
  final Counter preCxTimeout;
  final Gauge preCxActive;
  final ProxyProtocolStats proxyProtocol;

  /**
   * @param listenerScope {@code listener.<address>_<port>.} or {@code listener.<stat_prefix>.}
   */
  public ListenerFilterStats(StatsStore store, String listenerScope) {
    this(store, listenerScope, ListenerFiltersConfig.NONE);
  }

  /** As above, with the counters of the listener's {@code proxy_protocol} filter, if it has one. */
  public ListenerFilterStats(
      StatsStore store, String listenerScope, ListenerFiltersConfig filters) {
    tlsFound = store.counter("tls_inspector.tls_found");
    tlsNotFound = store.counter("tls_inspector.tls_not_found");
    sniFound = store.counter("tls_inspector.sni_found");
    sniNotFound = store.counter("tls_inspector.sni_not_found");
    alpnFound = store.counter("tls_inspector.alpn_found");
    alpnNotFound = store.counter("tls_inspector.alpn_not_found");
    clientHelloTooLarge = store.counter("tls_inspector.client_hello_too_large");
    http10Found = store.counter("http_inspector.http10_found");
    http11Found = store.counter("http_inspector.http11_found");
    http2Found = store.counter("http_inspector.http2_found");
    httpNotFound = store.counter("http_inspector.http_not_found");
    preCxTimeout = store.counter(listenerScope + "downstream_pre_cx_timeout");
    preCxActive = store.gauge(listenerScope + "downstream_pre_cx_active");
    proxyProtocol =
        filters.proxyProtocol() == null
            ? null
            : new ProxyProtocolStats(store, filters.proxyProtocol().statPrefix());
  }
}
