package io.attache.dataplane.ratelimit;

import java.util.List;

/**
 * The {@code rate_limits} a forwarded request's route carries: the route action's, its virtual
 * host's, and the route action's {@code include_vh_rate_limits}. Rate limit filters choose among
 * them by stage and by their {@code vh_rate_limits} option. Immutable.
 */
public record RouteRateLimits(
    List<RateLimitPolicyEntry> route,
    List<RateLimitPolicyEntry> virtualHost,
    boolean includeVirtualHostRateLimits) {
  public static final RouteRateLimits NONE = new RouteRateLimits(List.of(), List.of(), false);

  public RouteRateLimits {
    route = List.copyOf(route);
    virtualHost = List.copyOf(virtualHost);
  }
}
