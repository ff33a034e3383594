package io.attache.dataplane.filter.router;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.router.RouteDecision;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * The router's answers for routes that forward nothing, as Envoy gives them: 404 with flag {@code
 * NR} for no route, a direct response, a redirect, and the not-found status with flag {@code NC}
 * for a route without a cluster. Stateless.
 */
final class LocalAnswers {
  private LocalAnswers() {}

  static void answer(
      RouteDecision decision, RouterStats stats, StreamDecoderFilterCallbacks callbacks) {
    if (decision instanceof RouteDecision.NoRoute) {
      stats.noRoute.inc();
      callbacks.streamInfo().addFlag(ResponseFlag.NO_ROUTE_FOUND);
      callbacks.sendLocalReply(404, "", "route_not_found");
    } else if (decision instanceof RouteDecision.DirectResponse direct) {
      stats.rqDirectResponse.inc();
      callbacks.streamInfo().setRouteName(direct.routeName());
      FullHttpResponse r =
          LocalReply.build(
              callbacks.alloc(),
              direct.status(),
              direct.body().map(b -> b.toStringUtf8()).orElse(""),
              false);
      direct
          .responseHeaderMutations()
          .apply(r.headers(), UpstreamHeaders.responseFormatter(callbacks, null, r.headers()));
      callbacks.sendLocalReply(r, "direct_response");
    } else if (decision instanceof RouteDecision.Redirect redirect) {
      // Envoy answers a redirect route with its direct-response entry, so it is counted as
      // rq_direct_response (stock Envoy 1.40, EdgeDifferentialIT); rq_redirect stays at 0.
      stats.rqDirectResponse.inc();
      callbacks.streamInfo().setRouteName(redirect.routeName());
      FullHttpResponse r = LocalReply.build(callbacks.alloc(), redirect.status(), "", false);
      r.headers().set(HttpHeaderNames.LOCATION, redirect.location());
      redirect
          .responseHeaderMutations()
          .apply(r.headers(), UpstreamHeaders.responseFormatter(callbacks, null, r.headers()));
      callbacks.sendLocalReply(r, "redirect");
    } else if (decision instanceof RouteDecision.ClusterNotFound notFound) {
      stats.noCluster.inc();
      callbacks.streamInfo().setRouteName(notFound.routeName());
      callbacks.streamInfo().addFlag(ResponseFlag.NO_CLUSTER_FOUND);
      callbacks.sendLocalReply(notFound.status(), "", "cluster_not_found");
    }
  }
}
