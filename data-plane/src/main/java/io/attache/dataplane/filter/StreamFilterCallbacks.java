package io.attache.dataplane.filter;

import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.time.Scheduler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Optional;

/**
 * What every filter of a stream may ask of the connection manager: the request, its route and the
 * filter's per-route config, the connection, the stream's scheduler (the event loop; a test's
 * virtual time) and local replies. All calls on the stream's event loop.
 */
public interface StreamFilterCallbacks {
  /** The request headers as the connection manager prepared them (forwarding headers set). */
  HttpRequest requestHeaders();

  /** The route for this request, resolved once and cached (Envoy's {@code route()}). */
  RouteDecision route();

  /**
   * Forgets the cached route: the next {@link #route()} matches the request again, as it stands
   * then (Envoy's {@code clearRouteCache}, after a filter changed headers routing may look at).
   */
  void clearRouteCache();

  /**
   * Replaces the stream's route for the filters after this one and the router (Envoy's {@code
   * setRoute}); a later {@link #clearRouteCache} matches the request again.
   */
  void setRoute(RouteDecision route);

  /**
   * The most specific {@code typed_per_filter_config} entry for this filter on the route (weighted
   * cluster, route, virtual host, route configuration), parsed by the filter's own type; empty when
   * there is none or it is of another type (Envoy's {@code mostSpecificPerFilterConfig}).
   */
  <T> Optional<T> perRouteConfig(Class<T> type);

  /**
   * Every level's {@code typed_per_filter_config} entry of this filter's {@code type}, most
   * specific first (Envoy's {@code getAllPerFilterConfig}); empty when no level has one.
   */
  <T> List<T> perRouteConfigs(Class<T> type);

  StreamInfo streamInfo();

  DownstreamConnection connection();

  /** Timers for this stream: on its event loop in production, virtual time in tests. */
  Scheduler scheduler();

  ByteBufAllocator alloc();

  /** True for a gRPC request ({@code content-type: application/grpc...}). */
  boolean grpcRequest();

  /**
   * Answers the request locally with Envoy's shape (text body; for gRPC a trailers-only response
   * with the mapped {@code grpc-status}); the response passes the encoder filters. After the
   * response has started this resets the stream instead. The filter then returns {@code
   * STOP_ITERATION}.
   */
  void sendLocalReply(int status, String body, String responseCodeDetails);

  /** {@link #sendLocalReply(int, String, String)} with a response the filter built itself. */
  void sendLocalReply(FullHttpResponse response, String responseCodeDetails);

  /** Aborts the stream (HTTP/1.1: closes the connection; HTTP/2: RST_STREAM). */
  void resetStream();
}
