package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.FaultInjection;
import io.attache.api.policy.v1.HashPolicy;
import io.attache.api.policy.v1.HeaderMatch;
import io.attache.api.policy.v1.HeaderValue;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.RetryPolicy;
import io.attache.api.policy.v1.Service;
import io.attache.api.policy.v1.WeightedDestination;
import io.attache.controlplane.policy.DefaultsMerger;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Policy → the one RouteConfiguration "outbound": a virtual host per service (domains name and
 * name:port) holding the policy routes that name it, most specific first, then a catch-all to the
 * service itself. Retry and timeout are mesh defaults overridden by service, then by route. Pure.
 */
public final class RouteConfigurationTranslator {

  /** Policy routes are tried most specific first; ties are broken by name for determinism. */
  static final Comparator<io.attache.api.policy.v1.Route> SPECIFICITY =
      Comparator.comparingInt(RouteConfigurationTranslator::pathRank)
          .thenComparing(r -> -r.getPathPrefix().length())
          .thenComparing(r -> -(r.getHeadersCount() + (r.getMethodsCount() > 0 ? 1 : 0)))
          .thenComparing(io.attache.api.policy.v1.Route::getName);

  private final IdentityTokenTranslator identityTokens;

  public RouteConfigurationTranslator() {
    this(SnapshotTranslator.DEFAULT_TRUST_DOMAIN, () -> JwksEndpoint.LOCAL);
  }

  /** {@code trustDomain} and {@code jwks}: whose identity tokens a minting proxy's routes carry. */
  public RouteConfigurationTranslator(String trustDomain, Supplier<JwksEndpoint> jwks) {
    this.identityTokens = new IdentityTokenTranslator(trustDomain, jwks);
  }

  public List<RouteConfiguration> translate(PolicySnapshot policy, ProxyGroup group) {
    boolean mints = identityTokens.mints(policy, group);
    RouteConfiguration.Builder config =
        RouteConfiguration.newBuilder().setName(XdsNames.OUTBOUND_ROUTE_CONFIG);
    boolean intercepted = group.kind().isProxy() && group.sidecar().intercepted();
    Map<String, List<String>> addressDomains = intercepted ? addressDomains(policy) : Map.of();
    for (Service service : policy.services().values()) {
      VirtualHost host = virtualHost(service, policy, mints);
      List<String> extra = addressDomains.getOrDefault(service.getName(), List.of());
      config.addVirtualHosts(
          extra.isEmpty() ? host : host.toBuilder().addAllDomains(extra).build());
    }
    if (intercepted) {
      // A request that reached a service's address with a Host no service claims: the traffic
      // policy decides, as for any connection to an unknown destination.
      config.addVirtualHosts(
          VirtualHost.newBuilder()
              .setName(TransparentLayout.unknownDestinationCluster(policy.defaults()))
              .addDomains("*")
              .addRoutes(
                  Route.newBuilder()
                      .setName(TransparentLayout.unknownDestinationCluster(policy.defaults()))
                      .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                      .setRoute(
                          RouteAction.newBuilder()
                              .setCluster(
                                  TransparentLayout.unknownDestinationCluster(
                                      policy.defaults())))));
    }
    return List.of(config.build());
  }

  /**
   * Under transparent interception the app calls a service by address ({@code
   * http://10.0.0.5:8080/charge}), so the Host header is that address: each service's virtual host
   * also answers to its addresses on its port.
   */
  private static Map<String, List<String>> addressDomains(PolicySnapshot policy) {
    Map<String, List<String>> domains = new HashMap<>();
    for (List<ServiceAddresses.Claim> claims : ServiceAddresses.byPort(policy).values()) {
      for (ServiceAddresses.Claim claim : claims) {
        List<String> hosts =
            domains.computeIfAbsent(claim.service().getName(), n -> new ArrayList<>());
        for (String address : claim.addresses()) {
          hosts.addAll(ServiceAddresses.hostHeaders(address, claim.port()));
        }
      }
    }
    return domains;
  }

  private VirtualHost virtualHost(Service service, PolicySnapshot policy, boolean mints) {
    MeshDefaults defaults = policy.defaults();
    RetryPolicy serviceRetry = DefaultsMerger.retry(defaults.getRetry(), service.getRetry());
    Duration serviceTimeout =
        service.hasTimeout() ? service.getTimeout() : defaults.getRouteTimeout();
    int port = service.getPort() == 0 ? 80 : service.getPort();
    VirtualHost.Builder host =
        VirtualHost.newBuilder()
            .setName(service.getName())
            .addDomains(service.getName())
            .addDomains(service.getName() + ":" + port);
    policy.routes().values().stream()
        .filter(route -> route.getHostsList().contains(service.getName()))
        .sorted(SPECIFICITY)
        .forEach(route -> host.addRoutes(route(route, serviceRetry, serviceTimeout, mints)));
    RouteAction.Builder toService = RouteAction.newBuilder().setCluster(service.getName());
    applyTimeoutAndRetry(toService, serviceTimeout, serviceRetry);
    Route.Builder toServiceRoute =
        Route.newBuilder()
            .setName(service.getName() + "-default")
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setRoute(toService);
    if (mints) {
      putAudience(toServiceRoute, service.getName());
    }
    host.addRoutes(toServiceRoute);
    return host.build();
  }

  private Route route(
      io.attache.api.policy.v1.Route policyRoute,
      RetryPolicy serviceRetry,
      Duration serviceTimeout,
      boolean mints) {
    RouteAction.Builder action = RouteAction.newBuilder();
    List<WeightedDestination> destinations = policyRoute.getDestinationsList();
    if (destinations.size() != 1) {
      // Each split's token is for the service it lands on: that service's sidecars verify it.
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (WeightedDestination destination : destinations) {
        WeightedCluster.ClusterWeight.Builder split =
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(destination.getService())
                .setWeight(UInt32Value.of(destination.getWeight()));
        if (mints) {
          Map.Entry<String, Any> audience =
              IdentityTokenTranslator.audience(destination.getService());
          split.putTypedPerFilterConfig(audience.getKey(), audience.getValue());
        }
        weighted.addClusters(split);
      }
      action.setWeightedClusters(weighted);
    } else {
      action.setCluster(destinations.get(0).getService());
    }
    applyTimeoutAndRetry(
        action,
        policyRoute.hasTimeout() ? policyRoute.getTimeout() : serviceTimeout,
        DefaultsMerger.retry(serviceRetry, policyRoute.getRetry()));
    for (HashPolicy hash : policyRoute.getHashPolicyList()) {
      action.addHashPolicy(
          RouteAction.HashPolicy.newBuilder()
              .setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(hash.getHeader()))
              .setTerminal(hash.getTerminal()));
    }
    Route.Builder route =
        Route.newBuilder()
            .setName(policyRoute.getName())
            .setMatch(match(policyRoute))
            .setRoute(action);
    for (HeaderValue header : policyRoute.getRequestHeadersToAddList()) {
      route.addRequestHeadersToAdd(headerValue(header));
    }
    route.addAllRequestHeadersToRemove(policyRoute.getRequestHeadersToRemoveList());
    for (HeaderValue header : policyRoute.getResponseHeadersToAddList()) {
      route.addResponseHeadersToAdd(headerValue(header));
    }
    route.addAllResponseHeadersToRemove(policyRoute.getResponseHeadersToRemoveList());
    if (policyRoute.hasFault()) {
      route.putTypedPerFilterConfig(XdsNames.FAULT_FILTER, Any.pack(fault(policyRoute.getFault())));
    }
    if (mints && destinations.size() == 1) {
      putAudience(route, destinations.get(0).getService());
    }
    return route.build();
  }

  private static void putAudience(Route.Builder route, String service) {
    Map.Entry<String, Any> audience = IdentityTokenTranslator.audience(service);
    route.putTypedPerFilterConfig(audience.getKey(), audience.getValue());
  }

  private static void applyTimeoutAndRetry(
      RouteAction.Builder action, Duration timeout, RetryPolicy retry) {
    if (!timeout.equals(Duration.getDefaultInstance())) {
      action.setTimeout(timeout);
    }
    RetryPolicyTranslator.translate(retry).ifPresent(action::setRetryPolicy);
  }

  static RouteMatch match(io.attache.api.policy.v1.Route route) {
    RouteMatch.Builder match = RouteMatch.newBuilder();
    switch (route.getPathCase()) {
      case PATH_EXACT:
        match.setPath(route.getPathExact());
        break;
      case PATH_REGEX:
        match.setSafeRegex(RegexMatcher.newBuilder().setRegex(route.getPathRegex()));
        break;
      case PATH_PREFIX:
        match.setPrefix(route.getPathPrefix());
        break;
      default:
        match.setPrefix("/");
    }
    for (HeaderMatch header : route.getHeadersList()) {
      match.addHeaders(headerMatcher(header));
    }
    if (route.getMethodsCount() > 0) {
      match.addHeaders(
          HeaderMatcher.newBuilder()
              .setName(":method")
              .setStringMatch(
                  StringMatcher.newBuilder()
                      .setSafeRegex(
                          RegexMatcher.newBuilder()
                              .setRegex(String.join("|", route.getMethodsList())))));
    }
    return match.build();
  }

  static HeaderMatcher headerMatcher(HeaderMatch header) {
    HeaderMatcher.Builder matcher =
        HeaderMatcher.newBuilder().setName(header.getName()).setInvertMatch(header.getInvert());
    switch (header.getMatchCase()) {
      case EXACT:
        matcher.setStringMatch(StringMatcher.newBuilder().setExact(header.getExact()));
        break;
      case PREFIX:
        matcher.setStringMatch(StringMatcher.newBuilder().setPrefix(header.getPrefix()));
        break;
      case REGEX:
        matcher.setStringMatch(
            StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(header.getRegex())));
        break;
      default:
        matcher.setPresentMatch(true);
    }
    return matcher.build();
  }

  private static HeaderValueOption headerValue(HeaderValue header) {
    return HeaderValueOption.newBuilder()
        .setHeader(
            io.envoyproxy.envoy.config.core.v3.HeaderValue.newBuilder()
                .setKey(header.getName())
                .setValue(header.getValue()))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  private static HTTPFault fault(FaultInjection fault) {
    HTTPFault.Builder envoy = HTTPFault.newBuilder();
    if (fault.hasDelay() && fault.getDelayPercent() > 0) {
      envoy.setDelay(
          FaultDelay.newBuilder()
              .setFixedDelay(fault.getDelay())
              .setPercentage(perMillion(fault.getDelayPercent())));
    }
    if (fault.getAbortPercent() > 0) {
      envoy.setAbort(
          FaultAbort.newBuilder()
              .setHttpStatus(fault.getAbortHttpStatus())
              .setPercentage(perMillion(fault.getAbortPercent())));
    }
    return envoy.build();
  }

  private static FractionalPercent perMillion(double percent) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(percent * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  private static int pathRank(io.attache.api.policy.v1.Route route) {
    switch (route.getPathCase()) {
      case PATH_EXACT:
        return 0;
      case PATH_REGEX:
        return 1;
      case PATH_PREFIX:
        return 2;
      default:
        return 3;
    }
  }

  /** True when any route in the policy injects faults, so the listener needs the fault filter. */
  static boolean anyFault(PolicySnapshot policy) {
    return policy.routes().values().stream().anyMatch(io.attache.api.policy.v1.Route::hasFault);
  }
}
