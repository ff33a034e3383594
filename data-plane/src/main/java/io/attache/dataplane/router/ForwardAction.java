package io.attache.dataplane.router;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A compiled {@code RouteAction}: picks the cluster and computes the per-request parts of a {@link
 * RouteDecision.Forward}. Immutable; runs on the event loop.
 */
final class ForwardAction implements CompiledRoute.Action {
  private final ClusterSelector clusters;
  private final PathRewrite pathRewrite;
  private final Function<RequestView, String> routeHostRewrite;
  private final HashPolicy hashPolicy;
  private final RoutePolicy policy;

  ForwardAction(
      ClusterSelector clusters,
      PathRewrite pathRewrite,
      Function<RequestView, String> routeHostRewrite,
      HashPolicy hashPolicy,
      RoutePolicy policy) {
    this.clusters = clusters;
    this.pathRewrite = pathRewrite;
    this.routeHostRewrite = routeHostRewrite;
    this.hashPolicy = hashPolicy;
    this.policy = policy;
  }

  @Override
  public RouteDecision decide(RequestView request, PathMatch pathMatch) {
    ClusterSelector.Target target = clusters.select(request);
    if (target.cluster() == null) {
      return new RouteDecision.ClusterNotFound(
          policy.clusterNotFoundStatus(), target.responseHeaderMutations(), policy.routeName());
    }
    String path = pathRewrite.apply(request.uri, pathMatch.rewrittenLength(request));
    // A route-level host rewrite is applied after the weighted cluster's, so it wins.
    String host = routeHostRewrite.apply(request);
    Optional<String> hostRewrite = host != null ? Optional.of(host) : target.hostRewriteLiteral();
    OptionalLong hash = hashPolicy.isEmpty() ? OptionalLong.empty() : hashPolicy.evaluate(request);
    return new RouteDecision.Forward(
        target.cluster(),
        Optional.ofNullable(path),
        hostRewrite,
        hash,
        target.requestHeaderMutations(),
        target.responseHeaderMutations(),
        policy,
        target.perFilterConfigs());
  }
}
