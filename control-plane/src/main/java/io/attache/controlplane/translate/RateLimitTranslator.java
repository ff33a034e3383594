package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.RateLimit;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rate limits of the policy → {@code envoy.filters.http.local_ratelimit} on the inbound listener of
 * the sidecars whose node.cluster is the limited service: the callee enforces, so an instance
 * admits at most its limit however many callers there are (a caller-side bucket would multiply the
 * limit by the number of callers). The service's own limit is the filter's config; a route's limit
 * is that route's {@code typed_per_filter_config}, for which the inbound route table repeats the
 * matches of the service's routes. Istio's pattern: the filter alone carries only its stat_prefix
 * and is disabled (filter_enabled defaults to 0 %), so a service without a limit of its own limits
 * only its limited routes. Pure; must never emit anything for a service without a limit, so
 * unlimited sidecars keep the exact resources they had.
 */
public final class RateLimitTranslator {

  /** Envoy's stats: inbound_rate_limit.http_local_rate_limit.{ok,rate_limited,...}. */
  static final String STAT_PREFIX = "inbound_rate_limit";

  private static final RuntimeFractionalPercent ALWAYS =
      RuntimeFractionalPercent.newBuilder()
          .setDefaultValue(
              FractionalPercent.newBuilder()
                  .setNumerator(100)
                  .setDenominator(FractionalPercent.DenominatorType.HUNDRED))
          .build();

  /** True when the service or one of its routes has a rate limit. */
  public boolean limits(PolicySnapshot policy, String service) {
    Service limited = policy.services().get(service);
    return (limited != null && limited.hasRateLimit())
        || routesOf(policy, service).stream()
            .anyMatch(io.attache.api.policy.v1.Route::hasRateLimit);
  }

  /** The inbound filter for proxies of {@code service}; empty when nothing limits it. */
  public Optional<HttpFilter> inboundFilter(PolicySnapshot policy, String service) {
    if (!limits(policy, service)) {
      return Optional.empty();
    }
    Service limited = policy.services().get(service);
    LocalRateLimit config =
        limited != null && limited.hasRateLimit()
            ? enforcing(limited.getRateLimit())
            : LocalRateLimit.newBuilder().setStatPrefix(STAT_PREFIX).build();
    return Optional.of(
        HttpFilter.newBuilder()
            .setName(XdsNames.LOCAL_RATELIMIT_FILTER)
            .setTypedConfig(Any.pack(config))
            .build());
  }

  /**
   * The inbound routes ahead of the catch-all: every route of the service in the outbound order (so
   * a request meets the same route on both sides), each to {@code appCluster}; the limited ones
   * carry their bucket. Empty when nothing limits the service.
   */
  public List<Route> inboundRoutes(PolicySnapshot policy, String service, String appCluster) {
    if (!limits(policy, service)) {
      return List.of();
    }
    List<Route> routes = new ArrayList<>();
    for (io.attache.api.policy.v1.Route policyRoute : routesOf(policy, service)) {
      Route.Builder route =
          Route.newBuilder()
              .setName(policyRoute.getName())
              .setMatch(RouteConfigurationTranslator.match(policyRoute))
              .setRoute(
                  RouteAction.newBuilder()
                      .setCluster(appCluster)
                      .setTimeout(Duration.getDefaultInstance()));
      if (policyRoute.hasRateLimit()) {
        route.putTypedPerFilterConfig(
            XdsNames.LOCAL_RATELIMIT_FILTER, Any.pack(enforcing(policyRoute.getRateLimit())));
      }
      routes.add(route.build());
    }
    return routes;
  }

  private static List<io.attache.api.policy.v1.Route> routesOf(
      PolicySnapshot policy, String service) {
    return policy.routes().values().stream()
        .filter(route -> route.getHostsList().contains(service))
        .sorted(RouteConfigurationTranslator.SPECIFICITY)
        .toList();
  }

  /** One limit, enabled and enforced for every request it governs. */
  static LocalRateLimit enforcing(RateLimit limit) {
    int maxTokens = limit.getMaxTokens() == 0 ? limit.getTokensPerFill() : limit.getMaxTokens();
    LocalRateLimit.Builder config =
        LocalRateLimit.newBuilder()
            .setStatPrefix(STAT_PREFIX)
            .setTokenBucket(
                TokenBucket.newBuilder()
                    .setMaxTokens(maxTokens)
                    .setTokensPerFill(UInt32Value.of(limit.getTokensPerFill()))
                    .setFillInterval(limit.getFillInterval()))
            .setFilterEnabled(ALWAYS)
            .setFilterEnforced(ALWAYS);
    if (limit.getStatus() != 0) {
      config.setStatus(HttpStatus.newBuilder().setCodeValue(limit.getStatus()));
    }
    if (limit.getXRatelimitHeaders()) {
      config.setEnableXRatelimitHeaders(XRateLimitHeadersRFCVersion.DRAFT_VERSION_03);
    }
    return config.build();
  }
}
