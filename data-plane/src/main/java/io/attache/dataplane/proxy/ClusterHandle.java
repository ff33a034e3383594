package io.attache.dataplane.proxy;

import io.attache.dataplane.pool.HostConnectionPool;
import io.netty.channel.EventLoop;
import java.util.OptionalLong;

/**
 * What a proxied stream needs from one running cluster: a host, a pool to that host on the stream's
 * event loop, and the places to count what happened. Implementations are shared across event loops
 * and must be thread-safe and non-blocking.
 */
public interface ClusterHandle {
  String name();

  /** A host for one request (hash for consistent hashing, if the route computed one), or null. */
  SelectedHost chooseHost(OptionalLong hash);

  /**
   * The pool to {@code host} owned by {@code loop}. Call on {@code loop}. {@code downstreamHttp2}
   * matters only for clusters with {@code USE_DOWNSTREAM_PROTOCOL}.
   */
  HostConnectionPool pool(EventLoop loop, SelectedHost host, boolean downstreamHttp2);

  /** Counts one request sent upstream ({@code upstream_rq_total}, {@code upstream_rq_active}). */
  void requestStarted(SelectedHost host);

  /** Counts one upstream response status ({@code upstream_rq_2xx}, {@code upstream_rq_503}...). */
  void responseReceived(SelectedHost host, int status);

  /** Ends a request started with {@link #requestStarted}; {@code outcome} says how it ended. */
  void requestEnded(SelectedHost host, UpstreamOutcome outcome);

  /** How an upstream request ended, for counters and host health. */
  enum UpstreamOutcome {
    COMPLETED,
    TIMEOUT,
    UPSTREAM_RESET,
    LOCAL_RESET,
    CONNECT_FAILURE
  }

  /** A chosen host: its address and whatever the cluster keeps per host. */
  interface SelectedHost {
    java.net.InetSocketAddress address();

    /** The host's name for {@code auto_host_rewrite} (DNS name, else the IP). */
    String hostname();

    /** {@code host:port} as access logs and {@code %UPSTREAM_HOST%} print it. */
    default String describe() {
      return address().getHostString() + ":" + address().getPort();
    }
  }
}
