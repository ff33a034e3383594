package io.attache.dataplane.listener;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import java.net.InetSocketAddress;

/**
 * Envoy's per-listener stats, {@code listener.<address>_<port>.*} (or {@code
 * listener.<stat_prefix>.*} when the listener sets one): connections accepted, open and closed, and
 * how long they lasted. Looked up once per listener; the accept path only increments. Listener
 * filters, connection limits and filter-chain matching do not exist here, so their counters exist
 * and stay 0, as on an Envoy whose listener uses none of them.
 */
public final class ListenerStats {
  public final Counter downstreamCxTotal;
  public final Gauge downstreamCxActive;
  public final Counter downstreamCxDestroy;
  public final Histogram downstreamCxLengthMs;

  /** Connections closed at accept because the global downstream connection limit was reached. */
  public final Counter downstreamGlobalCxOverflow;

  private final String scope;

  public ListenerStats(StatsStore stats, String scope) {
    this.scope = scope;
    String p = "listener." + scope + ".";
    downstreamCxTotal = stats.counter(p + "downstream_cx_total");
    downstreamCxActive = stats.gauge(p + "downstream_cx_active");
    downstreamCxDestroy = stats.counter(p + "downstream_cx_destroy");
    downstreamCxLengthMs = stats.histogram(p + "downstream_cx_length_ms");
    downstreamGlobalCxOverflow = stats.counter(p + "downstream_global_cx_overflow");
    for (String zero :
        new String[] {
          "downstream_cx_overflow",
          "downstream_cx_overload_reject",
          "downstream_cx_transport_socket_connect_timeout",
          "downstream_listener_filter_error",
          "downstream_listener_filter_remote_close",
          "downstream_pre_cx_timeout",
          "no_filter_chain_match"
        }) {
      stats.counter(p + zero);
    }
    stats.gauge(p + "downstream_pre_cx_active");
  }

  /** {@code listener.<scope>.}, where per-listener HCM stats ({@code http.<prefix>.*}) also go. */
  public String prefix() {
    return "listener." + scope + ".";
  }

  /** Envoy's scope: the listener's {@code stat_prefix}, else its address as {@code ip_port}. */
  public static String scopeOf(String statPrefix, InetSocketAddress address) {
    if (!statPrefix.isEmpty()) {
      return statPrefix;
    }
    String host =
        address.getAddress() == null
            ? address.getHostString()
            : address.getAddress().getHostAddress();
    if (host.contains(":")) {
      // Envoy's "[::1]:15001" with its stat-name sanitising of ':'.
      host = "[" + host.replace(':', '_') + "]";
    }
    return host + "_" + address.getPort();
  }
}
