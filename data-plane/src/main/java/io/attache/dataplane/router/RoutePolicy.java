package io.attache.dataplane.router;

import io.attache.dataplane.ratelimit.RouteRateLimits;
import io.attache.dataplane.retry.RetryPolicyConfig;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The static, per-route part of a {@link RouteDecision.Forward}, compiled once and shared by every
 * request on the route.
 *
 * @param routeName {@code Route.name} (may be empty)
 * @param virtualHostName {@code VirtualHost.name}, for {@code vhost.<name>.*} stats
 * @param timeout {@code RouteAction.timeout}; default 15 s; {@link Duration#ZERO} means disabled
 * @param idleTimeout {@code RouteAction.idle_timeout}; empty = not set (the HCM's stream idle
 *     timeout applies); zero = disabled
 * @param retryPolicy the route's {@code retry_policy}, else the virtual host's (not merged),
 *     parsed; {@link RetryPolicyConfig#NONE} when neither has one
 * @param priority {@code RouteAction.priority}, for circuit-breaker thresholds
 * @param perRequestBufferLimitBytes the route's, else the virtual host's, retry buffer cap
 * @param clusterNotFoundStatus from {@code cluster_not_found_response_code} (503 by default)
 * @param autoHostRewrite {@code auto_host_rewrite}: swap host for the chosen upstream's hostname
 * @param appendXForwardedHost {@code append_x_forwarded_host}
 * @param requestMirrorPolicies the route's {@code request_mirror_policies}, else the virtual
 *     host's, else the route configuration's (the most specific non-empty list, not merged)
 * @param upgradeEnabledByType {@code RouteAction.upgrade_configs}: upgrade type (lower case) to
 *     {@code enabled}, which overrides the connection manager's for that type
 * @param connectConfig present when an {@code upgrade_configs} entry has the upgrade type {@code
 *     CONNECT} (Envoy sets it whether or not the entry has a {@code connect_config}): CONNECT (and,
 *     with {@code allow_post}, POST) requests on the route are terminated, not forwarded
 * @param decorator the route's {@code decorator}: the span's name and whether it is propagated
 * @param rateLimits the route action's and the virtual host's {@code rate_limits}, for the local
 *     rate limit filter's descriptors
 */
public record RoutePolicy(
    String routeName,
    String virtualHostName,
    Duration timeout,
    Optional<Duration> idleTimeout,
    RetryPolicyConfig retryPolicy,
    RoutingPriority priority,
    OptionalInt perRequestBufferLimitBytes,
    int clusterNotFoundStatus,
    boolean autoHostRewrite,
    boolean appendXForwardedHost,
    List<RequestMirrorPolicy> requestMirrorPolicies,
    Map<String, Boolean> upgradeEnabledByType,
    Optional<ConnectConfig> connectConfig,
    Optional<Decorator> decorator,
    RouteRateLimits rateLimits) {
  /** Envoy's default route timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

  public RoutePolicy {
    Objects.requireNonNull(routeName);
    Objects.requireNonNull(virtualHostName);
    Objects.requireNonNull(timeout);
    Objects.requireNonNull(idleTimeout);
    Objects.requireNonNull(retryPolicy);
    Objects.requireNonNull(priority);
    Objects.requireNonNull(perRequestBufferLimitBytes);
    requestMirrorPolicies = List.copyOf(requestMirrorPolicies);
    upgradeEnabledByType = Map.copyOf(upgradeEnabledByType);
    Objects.requireNonNull(connectConfig);
    Objects.requireNonNull(decorator);
    Objects.requireNonNull(rateLimits);
  }
}
