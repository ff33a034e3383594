package io.attache.dataplane.udpproxy;

import io.attache.dataplane.matcher.ConnectionData;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.matcher.MatchingData;
import io.attache.dataplane.matcher.UnifiedMatcher;
import java.net.InetSocketAddress;

/**
 * Envoy's UDP proxy router: the cluster a datagram goes to, from the fixed {@code cluster} or the
 * {@code matcher} on the datagram's source and destination. Immutable; never allocates beyond the
 * match itself.
 */
public final class UdpRouter {
  private final String cluster;
  private final UnifiedMatcher<String> matcher;

  private UdpRouter(String cluster, UnifiedMatcher<String> matcher) {
    this.cluster = cluster;
    this.matcher = matcher;
  }

  static UdpRouter toCluster(String cluster) {
    return new UdpRouter(cluster, null);
  }

  static UdpRouter matching(UnifiedMatcher<String> matcher) {
    return new UdpRouter(null, matcher);
  }

  /** The cluster for a datagram from {@code source} to {@code destination}, or null (no route). */
  public String route(InetSocketAddress destination, InetSocketAddress source) {
    if (cluster != null) {
      return cluster;
    }
    UnifiedMatcher.Result<String> result =
        matcher.match(
            new MatchingData() {
              @Override
              public HeaderSource requestHeaders() {
                return null;
              }

              @Override
              public HeaderSource responseHeaders() {
                return null;
              }

              @Override
              public ConnectionData connection() {
                return ConnectionData.ofAddresses(destination, source);
              }
            });
    return result.matched() ? result.action() : null;
  }
}
