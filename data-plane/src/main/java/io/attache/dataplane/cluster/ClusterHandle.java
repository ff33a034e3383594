package io.attache.dataplane.cluster;

import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.UpstreamTransport;
import io.attache.dataplane.retry.ClusterRetryContext;
import io.attache.dataplane.upstream.ClusterStats;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * What a proxied stream needs from one running cluster: a host, a pool to that host on the stream's
 * event loop, its circuit breakers and retry context, and the places to report what happened
 * (stats, outlier detection). Implementations are shared across event loops and must be thread-safe
 * and non-blocking.
 */
public interface ClusterHandle {
  String name();

  /** A host for one attempt (hash and hosts to avoid in {@code context}), or null if none. */
  SelectedHost chooseHost(LbContext context);

  /** Counts a request or connection that {@link #chooseHost} found no host for. */
  void noHealthyUpstream();

  /**
   * The pool to {@code host} owned by {@code loop}. Call on {@code loop}. {@code downstreamHttp2}
   * matters only for clusters with {@code USE_DOWNSTREAM_PROTOCOL}.
   */
  HostConnectionPool pool(EventLoop loop, SelectedHost host, boolean downstreamHttp2);

  /**
   * The raw TCP pool to {@code host} owned by {@code loop}, for a CONNECT the router terminates:
   * each lease is a new connection carrying the tunnel's bytes. Call on {@code loop}.
   */
  HostConnectionPool tcpPool(EventLoop loop, SelectedHost host);

  /** The cluster's three-state breaker gate ({@link BreakerGate#ADMIT_ALL} unless strict). */
  BreakerGate gate();

  /** The circuit breakers of one priority. */
  ResourceManager breakers(RoutingPriority priority);

  /** What a retry state needs from this cluster, for one priority. */
  ClusterRetryContext retryContext(RoutingPriority priority);

  /** Counts one request sent upstream ({@code upstream_rq_total}, {@code upstream_rq_active}). */
  void requestStarted(SelectedHost host);

  /** Counts one request that waited for a connection ({@code upstream_rq_pending_total}). */
  void requestPending();

  /** Tells outlier detection about one upstream response status. */
  void responseReceived(SelectedHost host, int status);

  /**
   * Charges the code of the request's final answer as Envoy's router does: the forwarded response,
   * or the local answer to a request whose last try failed ({@code upstream_rq_<code>}, {@code
   * _<N>xx}, {@code _completed}, and their {@code internal.}/{@code external.} copies).
   */
  void chargeResponse(int status, boolean internalRequest);

  /** Charges a response that was retried instead of forwarded ({@code retry.upstream_rq_*}). */
  void chargeRetriedResponse(int status);

  /**
   * Records Envoy's {@code upstream_rq_time} for a response that arrived whole: the milliseconds
   * from the end of the downstream request to the end of the upstream response, retries included.
   */
  void responseTime(long millis);

  /** Ends a request started with {@link #requestStarted}; {@code outcome} says how it ended. */
  void requestEnded(SelectedHost host, UpstreamOutcome outcome);

  /** What a raw TCP proxy ({@code tcp_proxy}) needs to open its own connection to a host. */
  TcpUpstream tcpUpstream();

  /**
   * @param connectTimeout the cluster's {@code connect_timeout}
   * @param stats where {@code upstream_cx_*} of the cluster are counted
   * @param transport the cluster's {@code transport_socket}: plaintext, or TLS it originates
   * @param http2 the cluster's protocol options name HTTP/2: a tunnel to it is an HTTP/2 stream
   */
  record TcpUpstream(
      Duration connectTimeout, ClusterStats stats, UpstreamTransport transport, boolean http2) {
    /** The cluster has a TLS {@code transport_socket}. */
    public boolean originatesTls() {
      return transport != UpstreamTransport.PLAINTEXT;
    }
  }

  /** How an upstream request ended, for counters and host health. */
  enum UpstreamOutcome {
    COMPLETED,
    /** The route's {@code timeout} expired ({@code upstream_rq_timeout}). */
    TIMEOUT,
    /** The try's {@code per_try_timeout} expired ({@code upstream_rq_per_try_timeout}). */
    PER_TRY_TIMEOUT,
    /** The try's {@code per_try_idle_timeout} expired. */
    PER_TRY_IDLE_TIMEOUT,
    UPSTREAM_RESET,
    LOCAL_RESET,
    CONNECT_FAILURE,
    /** Abandoned by the proxy (a retry was decided, the client left): not the host's fault. */
    CANCELLED
  }

  /** A chosen host: its address and whatever the cluster keeps per host. */
  interface SelectedHost {
    InetSocketAddress address();

    /** The cluster's host object (for retry host predicates). */
    Host host();

    /** The host's name for {@code auto_host_rewrite} (DNS name, else the IP). */
    String hostname();

    /** {@code host:port} as access logs and {@code %UPSTREAM_HOST%} print it. */
    default String describe() {
      return address().getHostString() + ":" + address().getPort();
    }
  }
}
