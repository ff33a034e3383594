package io.attache.dataplane.router;

import com.google.protobuf.ByteString;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.Regex;
import io.attache.dataplane.ratelimit.RateLimitActions;
import io.attache.dataplane.ratelimit.RateLimitPolicyEntry;
import io.attache.dataplane.ratelimit.RouteRateLimits;
import io.attache.dataplane.retry.RetryPolicyConfig;
import io.attache.dataplane.runtime.Runtime;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns one {@code RouteConfiguration} into a {@link RouteTable}, validating as it goes and
 * stopping at the first error with its field path. Used once per config; not thread-safe. Fields
 * that would change routing and are not implemented are rejected, never silently ignored.
 */
final class RouteCompiler {
  private static final int DEFAULT_MAX_DIRECT_RESPONSE_BODY_SIZE_BYTES = 4096;

  private final RouteConfiguration config;
  private final String root;
  private final RouteTableOptions options;
  private final Set<String> clusters = new TreeSet<>();
  private final Set<String> runtimeKeys = new TreeSet<>();
  private HeaderMutations.Level configRequestLevel;
  private HeaderMutations.Level configResponseLevel;
  private long maxDirectResponseBody;
  private PerFilterConfigs configPerFilter;
  private List<RequestMirrorPolicy> configMirrorPolicies;

  RouteCompiler(RouteConfiguration config, String root, RouteTableOptions options) {
    this.config = config;
    this.root = root;
    this.options = options;
  }

  private String path(String child) {
    return root.isEmpty() ? child : root + "." + child;
  }

  RouteTable compile() throws ConfigException {
    if (config.hasVhds()) {
      throw new ConfigException(path("vhds"), "VHDS is not supported; list virtual_hosts inline");
    }
    if (config.getClusterSpecifierPluginsCount() > 0) {
      throw new ConfigException(
          path("cluster_specifier_plugins"), "cluster specifier plugins are not supported");
    }
    configRequestLevel =
        HeaderMutations.Level.compile(
            config.getRequestHeadersToAddList(),
            config.getRequestHeadersToRemoveList(),
            path("request_headers_to_add"),
            path("request_headers_to_remove"));
    configResponseLevel =
        HeaderMutations.Level.compile(
            config.getResponseHeadersToAddList(),
            config.getResponseHeadersToRemoveList(),
            path("response_headers_to_add"),
            path("response_headers_to_remove"));
    configPerFilter =
        PerFilterConfigs.NONE.withMoreSpecific(
            config.getTypedPerFilterConfigMap(), root, options.perFilterParser());
    configMirrorPolicies =
        compileMirrorPolicies(
            config.getRequestMirrorPoliciesList(), path("request_mirror_policies"));
    maxDirectResponseBody =
        config.hasMaxDirectResponseBodySizeBytes()
            ? config.getMaxDirectResponseBodySizeBytes().getValue() & 0xFFFFFFFFL
            : DEFAULT_MAX_DIRECT_RESPONSE_BODY_SIZE_BYTES;

    DomainIndex.Builder<RouteTable.VirtualHostEntry> domains = DomainIndex.builder();
    for (int i = 0; i < config.getVirtualHostsCount(); i++) {
      String vhostPath = path("virtual_hosts[" + i + "]");
      VirtualHost virtualHost = config.getVirtualHosts(i);
      RouteTable.VirtualHostEntry entry = compileVirtualHost(virtualHost, vhostPath);
      if (virtualHost.getDomainsCount() == 0) {
        throw new ConfigException(vhostPath + ".domains", "at least one domain is required");
      }
      for (int j = 0; j < virtualHost.getDomainsCount(); j++) {
        domains.add(virtualHost.getDomains(j), entry, vhostPath + ".domains[" + j + "]");
      }
    }
    List<String> internalOnly = new ArrayList<>();
    for (String header : config.getInternalOnlyHeadersList()) {
      internalOnly.add(header.toLowerCase(Locale.ROOT));
    }
    return new RouteTable(
        config.getName(),
        domains.build(),
        options,
        config.getIgnorePortInHostMatching(),
        config.getIgnorePathParametersInPathMatching(),
        List.copyOf(internalOnly),
        Set.copyOf(clusters),
        Set.copyOf(runtimeKeys));
  }

  private RouteTable.VirtualHostEntry compileVirtualHost(VirtualHost virtualHost, String vhostPath)
      throws ConfigException {
    if (virtualHost.getName().isEmpty()) {
      throw new ConfigException(vhostPath + ".name", "virtual host name must not be empty");
    }
    if (virtualHost.hasMatcher()) {
      throw new ConfigException(
          vhostPath + ".matcher", "matcher trees are not supported; use routes");
    }
    if (virtualHost.hasRetryPolicyTypedConfig()) {
      throw new ConfigException(
          vhostPath + ".retry_policy_typed_config", "retry policy extensions are not supported");
    }
    if (virtualHost.getRequireTls() == VirtualHost.TlsRequirementType.UNRECOGNIZED) {
      throw new ConfigException(vhostPath + ".require_tls", "unknown TLS requirement");
    }
    RetryPolicyConfig retryPolicy = RetryPolicyConfig.NONE;
    if (virtualHost.hasRetryPolicy()) {
      retryPolicy = validateRetryPolicy(virtualHost.getRetryPolicy(), vhostPath + ".retry_policy");
    }
    VirtualHostContext context =
        new VirtualHostContext(
            virtualHost.getName(),
            HeaderMutations.Level.compile(
                virtualHost.getRequestHeadersToAddList(),
                virtualHost.getRequestHeadersToRemoveList(),
                vhostPath + ".request_headers_to_add",
                vhostPath + ".request_headers_to_remove"),
            HeaderMutations.Level.compile(
                virtualHost.getResponseHeadersToAddList(),
                virtualHost.getResponseHeadersToRemoveList(),
                vhostPath + ".response_headers_to_add",
                vhostPath + ".response_headers_to_remove"),
            retryPolicy,
            virtualHost.hasPerRequestBufferLimitBytes()
                ? OptionalInt.of(virtualHost.getPerRequestBufferLimitBytes().getValue())
                : OptionalInt.empty(),
            configPerFilter.withMoreSpecific(
                virtualHost.getTypedPerFilterConfigMap(), vhostPath, options.perFilterParser()),
            virtualHost.getRequestMirrorPoliciesCount() > 0
                ? compileMirrorPolicies(
                    virtualHost.getRequestMirrorPoliciesList(),
                    vhostPath + ".request_mirror_policies")
                : configMirrorPolicies,
            RateLimitActions.compileAll(
                virtualHost.getRateLimitsList(), vhostPath + ".rate_limits", true));
    List<CompiledRoute> routes = new ArrayList<>(virtualHost.getRoutesCount());
    for (int j = 0; j < virtualHost.getRoutesCount(); j++) {
      routes.add(compileRoute(virtualHost.getRoutes(j), vhostPath + ".routes[" + j + "]", context));
    }
    return new RouteTable.VirtualHostEntry(
        virtualHost.getName(), List.copyOf(routes), virtualHost.getRequireTls());
  }

  private record VirtualHostContext(
      String name,
      HeaderMutations.Level requestLevel,
      HeaderMutations.Level responseLevel,
      RetryPolicyConfig retryPolicy,
      OptionalInt perRequestBufferLimitBytes,
      PerFilterConfigs perFilterConfigs,
      List<RequestMirrorPolicy> mirrorPolicies,
      List<RateLimitPolicyEntry> rateLimits) {}

  /**
   * Route, virtual host and config levels in Envoy's order for {@code
   * most_specific_header_mutations_wins}.
   */
  private HeaderMutations chain(
      HeaderMutations.Level route, HeaderMutations.Level vhost, HeaderMutations.Level routeConfig) {
    return config.getMostSpecificHeaderMutationsWins()
        ? HeaderMutations.of(List.of(routeConfig, vhost, route))
        : HeaderMutations.of(List.of(route, vhost, routeConfig));
  }

  private CompiledRoute compileRoute(Route route, String routePath, VirtualHostContext vhost)
      throws ConfigException {
    if (!route.hasMatch()) {
      throw new ConfigException(routePath + ".match", "match is required");
    }
    RouteMatch match = route.getMatch();
    String matchPath = routePath + ".match";
    PathMatch pathMatch = PathMatch.compile(match, matchPath);
    CompiledRoute.TlsContextMatch tls = null;
    if (match.hasTlsContext()) {
      var proto = match.getTlsContext();
      tls =
          new CompiledRoute.TlsContextMatch(
              proto.hasPresented()
                  ? java.util.Optional.of(proto.getPresented().getValue())
                  : java.util.Optional.empty(),
              proto.hasValidated()
                  ? java.util.Optional.of(proto.getValidated().getValue())
                  : java.util.Optional.empty());
    }
    if (match.getDynamicMetadataCount() > 0) {
      throw new ConfigException(
          matchPath + ".dynamic_metadata", "dynamic metadata matching is not supported");
    }
    if (match.getFilterStateCount() > 0) {
      throw new ConfigException(
          matchPath + ".filter_state", "filter state matching is not supported");
    }
    List<HeaderMatch> headers =
        HeaderMatch.compileAll(match.getHeadersList(), matchPath + ".headers");
    List<QueryParameterMatch> query =
        QueryParameterMatch.compileAll(
            match.getQueryParametersList(), matchPath + ".query_parameters");
    CompiledRoute.RuntimeFraction fraction = null;
    if (match.hasRuntimeFraction()) {
      if (!match.getRuntimeFraction().getRuntimeKey().isEmpty()) {
        runtimeKeys.add(match.getRuntimeFraction().getRuntimeKey());
      }
      fraction =
          runtimeFraction(
              match.getRuntimeFraction().getRuntimeKey(),
              match.getRuntimeFraction().getDefaultValue(),
              options.runtime(),
              matchPath + ".runtime_fraction.default_value");
    }

    HeaderMutations requestMutations =
        chain(
            HeaderMutations.Level.compile(
                route.getRequestHeadersToAddList(),
                route.getRequestHeadersToRemoveList(),
                routePath + ".request_headers_to_add",
                routePath + ".request_headers_to_remove"),
            vhost.requestLevel(),
            configRequestLevel);
    HeaderMutations responseMutations =
        chain(
            HeaderMutations.Level.compile(
                route.getResponseHeadersToAddList(),
                route.getResponseHeadersToRemoveList(),
                routePath + ".response_headers_to_add",
                routePath + ".response_headers_to_remove"),
            vhost.responseLevel(),
            configResponseLevel);

    // Validated whatever the action, as Envoy does; only forwarded requests reach the fault filter.
    PerFilterConfigs perFilter =
        vhost
            .perFilterConfigs()
            .withMoreSpecific(
                route.getTypedPerFilterConfigMap(), routePath, options.perFilterParser());
    CompiledRoute.Action action;
    switch (route.getActionCase()) {
      case ROUTE ->
          action =
              compileForward(
                  route,
                  routePath + ".route",
                  vhost,
                  requestMutations,
                  responseMutations,
                  perFilter);
      case REDIRECT -> action = compileRedirect(route, routePath + ".redirect", responseMutations);
      case DIRECT_RESPONSE ->
          action = compileDirectResponse(route, routePath + ".direct_response", responseMutations);
      case FILTER_ACTION ->
          throw new ConfigException(
              routePath + ".filter_action", "filter actions are not supported");
      case NON_FORWARDING_ACTION ->
          throw new ConfigException(
              routePath + ".non_forwarding_action", "non-forwarding actions are not supported");
      default ->
          throw new ConfigException(
              routePath, "an action is required: one of route, redirect, direct_response");
    }
    return new CompiledRoute(pathMatch, headers, query, match.hasGrpc(), fraction, tls, action);
  }

  private static CompiledRoute.RuntimeFraction runtimeFraction(
      String runtimeKey, FractionalPercent defaultValue, Runtime runtime, String fieldPath)
      throws ConfigException {
    switch (defaultValue.getDenominator()) {
      case HUNDRED, TEN_THOUSAND, MILLION -> {}
      default -> throw new ConfigException(fieldPath + ".denominator", "unknown denominator");
    }
    return new CompiledRoute.RuntimeFraction(runtimeKey, defaultValue, runtime);
  }

  /**
   * {@code request_mirror_policies} at one level: exactly one of {@code cluster} and {@code
   * cluster_header} each; a fixed cluster is checked with the route's clusters, a {@code
   * runtime_fraction} read from the runtime now (its key is reported with the route match's).
   */
  /**
   * {@code RouteAction.upgrade_configs}: per upgrade type (lower case), whether this route allows
   * it; a duplicate type is refused, as Envoy refuses it.
   */
  private static Map<String, Boolean> compileUpgradeConfigs(RouteAction action, String actionPath)
      throws ConfigException {
    Map<String, Boolean> byType = new LinkedHashMap<>();
    for (int i = 0; i < action.getUpgradeConfigsCount(); i++) {
      RouteAction.UpgradeConfig config = action.getUpgradeConfigs(i);
      String at = actionPath + ".upgrade_configs[" + i + "]";
      String type = config.getUpgradeType().toLowerCase(Locale.ROOT);
      if (type.isEmpty()) {
        throw new ConfigException(at + ".upgrade_type", "must not be empty");
      }
      if (byType.putIfAbsent(type, !config.hasEnabled() || config.getEnabled().getValue())
          != null) {
        throw new ConfigException(at + ".upgrade_type", "duplicate upgrade " + type);
      }
    }
    return byType;
  }

  /**
   * The route's CONNECT termination, as Envoy's {@code RouteEntryImplBase} reads it: an entry whose
   * upgrade type is exactly {@code CONNECT} sets it (with or without a {@code connect_config}); a
   * {@code connect_config} on any other type is refused.
   */
  private static Optional<ConnectConfig> compileConnectConfig(RouteAction action, String actionPath)
      throws ConfigException {
    Optional<ConnectConfig> connect = Optional.empty();
    for (int i = 0; i < action.getUpgradeConfigsCount(); i++) {
      RouteAction.UpgradeConfig config = action.getUpgradeConfigs(i);
      String at = actionPath + ".upgrade_configs[" + i + "]";
      if ("CONNECT".equals(config.getUpgradeType())) {
        RouteAction.UpgradeConfig.ConnectConfig proto = config.getConnectConfig();
        if (proto.hasProxyProtocolConfig()) {
          throw new ConfigException(
              at + ".connect_config.proxy_protocol_config",
              "a PROXY protocol header on the terminated CONNECT's upstream connection is not"
                  + " supported");
        }
        connect = Optional.of(new ConnectConfig(proto.getAllowPost()));
      } else if (config.hasConnectConfig()) {
        throw new ConfigException(
            at + ".connect_config",
            "Non-CONNECT upgrade type " + config.getUpgradeType() + " has ConnectConfig");
      }
    }
    return connect;
  }

  private List<RequestMirrorPolicy> compileMirrorPolicies(
      List<RouteAction.RequestMirrorPolicy> protos, String listPath) throws ConfigException {
    List<RequestMirrorPolicy> out = new ArrayList<>(protos.size());
    for (int i = 0; i < protos.size(); i++) {
      RouteAction.RequestMirrorPolicy proto = protos.get(i);
      String policyPath = listPath + "[" + i + "]";
      boolean fixed = !proto.getCluster().isEmpty();
      boolean fromHeader = !proto.getClusterHeader().isEmpty();
      if (fixed == fromHeader) {
        throw new ConfigException(
            policyPath, "exactly one of cluster and cluster_header must be set");
      }
      if (fixed) {
        clusters.add(proto.getCluster());
      }
      long numerator = 1;
      long denominator = 1;
      if (proto.hasRuntimeFraction()) {
        if (!proto.getRuntimeFraction().hasDefaultValue()) {
          throw new ConfigException(
              policyPath + ".runtime_fraction.default_value", "default_value is required");
        }
        String key = proto.getRuntimeFraction().getRuntimeKey();
        if (!key.isEmpty()) {
          runtimeKeys.add(key);
        }
        runtimeFraction(
            key,
            proto.getRuntimeFraction().getDefaultValue(),
            options.runtime(),
            policyPath + ".runtime_fraction.default_value");
        // Mirror fractions are resolved when the route table compiles: a /runtime_modify of their
        // key applies from the next route update on, unlike a route match's runtime_fraction.
        FractionalPercent percent =
            options
                .runtime()
                .snapshot()
                .fractionalPercent(key, proto.getRuntimeFraction().getDefaultValue());
        numerator = percent.getNumerator() & 0xFFFFFFFFL;
        denominator =
            switch (percent.getDenominator()) {
              case TEN_THOUSAND -> 10_000;
              case MILLION -> 1_000_000;
              default -> 100;
            };
      }
      out.add(
          new RequestMirrorPolicy(
              fixed ? Optional.of(proto.getCluster()) : Optional.empty(),
              fromHeader
                  ? Optional.of(proto.getClusterHeader().toLowerCase(Locale.ROOT))
                  : Optional.empty(),
              numerator,
              denominator,
              proto.getDisableShadowHostSuffixAppend()));
    }
    return List.copyOf(out);
  }

  private CompiledRoute.Action compileForward(
      Route route,
      String actionPath,
      VirtualHostContext vhost,
      HeaderMutations requestMutations,
      HeaderMutations responseMutations,
      PerFilterConfigs perFilter)
      throws ConfigException {
    RouteAction action = route.getRoute();
    if (action.hasPathRewritePolicy()) {
      throw new ConfigException(
          actionPath + ".path_rewrite_policy", "path rewrite extensions are not supported");
    }
    if (action.hasRetryPolicyTypedConfig()) {
      throw new ConfigException(
          actionPath + ".retry_policy_typed_config", "retry policy extensions are not supported");
    }
    if (!action.getPrefixRewrite().isEmpty() && action.hasRegexRewrite()) {
      throw new ConfigException(
          actionPath, "specify only one of prefix_rewrite, regex_rewrite or path_rewrite_policy");
    }
    PathRewrite pathRewrite = PathRewrite.NONE;
    if (!action.getPrefixRewrite().isEmpty()) {
      pathRewrite = PathRewrite.prefix(action.getPrefixRewrite());
    } else if (action.hasRegexRewrite()) {
      pathRewrite = regexRewrite(action.getRegexRewrite(), actionPath + ".regex_rewrite");
    }

    boolean autoHostRewrite = false;
    Function<RequestView, String> hostRewrite = request -> null;
    switch (action.getHostRewriteSpecifierCase()) {
      case HOST_REWRITE_LITERAL -> {
        String literal = action.getHostRewriteLiteral();
        if (!literal.isEmpty()) {
          hostRewrite = request -> literal;
        }
      }
      case AUTO_HOST_REWRITE -> autoHostRewrite = action.getAutoHostRewrite().getValue();
      case HOST_REWRITE_HEADER -> {
        String header = action.getHostRewriteHeader().toLowerCase(Locale.ROOT);
        if (!header.isEmpty()) {
          hostRewrite =
              request -> {
                String value = request.headerFirstValue(header);
                return value == null || value.isEmpty() ? null : value;
              };
        }
      }
      case HOST_REWRITE_PATH_REGEX -> {
        PathRewrite regex =
            regexRewrite(action.getHostRewritePathRegex(), actionPath + ".host_rewrite_path_regex");
        hostRewrite = request -> regex.apply(RequestView.pathWithoutQuery(request.uri), 0);
      }
      default -> {}
    }

    Duration timeout =
        action.hasTimeout()
            ? duration(action.getTimeout(), actionPath + ".timeout")
            : RoutePolicy.DEFAULT_TIMEOUT;
    Optional<Duration> idleTimeout =
        action.hasIdleTimeout()
            ? Optional.of(duration(action.getIdleTimeout(), actionPath + ".idle_timeout"))
            : Optional.empty();
    RetryPolicyConfig retryPolicy =
        action.hasRetryPolicy()
            ? validateRetryPolicy(action.getRetryPolicy(), actionPath + ".retry_policy")
            : vhost.retryPolicy();
    if (action.getPriority() == RoutingPriority.UNRECOGNIZED) {
      throw new ConfigException(actionPath + ".priority", "unknown routing priority");
    }
    int clusterNotFoundStatus =
        switch (action.getClusterNotFoundResponseCode()) {
          case SERVICE_UNAVAILABLE -> 503;
          case NOT_FOUND -> 404;
          case INTERNAL_SERVER_ERROR -> 500;
          default ->
              throw new ConfigException(
                  actionPath + ".cluster_not_found_response_code", "unknown response code");
        };
    RoutePolicy policy =
        new RoutePolicy(
            route.getName(),
            vhost.name(),
            timeout,
            idleTimeout,
            retryPolicy,
            action.getPriority(),
            route.hasPerRequestBufferLimitBytes()
                ? OptionalInt.of(route.getPerRequestBufferLimitBytes().getValue())
                : vhost.perRequestBufferLimitBytes(),
            clusterNotFoundStatus,
            autoHostRewrite,
            action.getAppendXForwardedHost(),
            action.getRequestMirrorPoliciesCount() > 0
                ? compileMirrorPolicies(
                    action.getRequestMirrorPoliciesList(), actionPath + ".request_mirror_policies")
                : vhost.mirrorPolicies(),
            compileUpgradeConfigs(action, actionPath),
            compileConnectConfig(action, actionPath),
            Optional.ofNullable(Decorator.of(route)),
            new RouteRateLimits(
                RateLimitActions.compileAll(
                    action.getRateLimitsList(), actionPath + ".rate_limits", true),
                vhost.rateLimits(),
                action.hasIncludeVhRateLimits() && action.getIncludeVhRateLimits().getValue()));
    HashPolicy hashPolicy =
        HashPolicy.compile(action.getHashPolicyList(), actionPath + ".hash_policy");

    ClusterSelector selector;
    switch (action.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (action.getCluster().isEmpty()) {
          throw new ConfigException(actionPath + ".cluster", "cluster name must not be empty");
        }
        clusters.add(action.getCluster());
        selector =
            ClusterSelector.fixed(
                new ClusterSelector.Target(
                    action.getCluster(),
                    requestMutations,
                    responseMutations,
                    Optional.empty(),
                    perFilter));
      }
      case CLUSTER_HEADER -> {
        if (action.getClusterHeader().isEmpty()) {
          throw new ConfigException(
              actionPath + ".cluster_header", "header name must not be empty");
        }
        selector =
            ClusterSelector.fromHeader(
                action.getClusterHeader().toLowerCase(Locale.ROOT),
                requestMutations,
                responseMutations,
                perFilter);
      }
      case WEIGHTED_CLUSTERS ->
          selector =
              compileWeightedClusters(
                  action.getWeightedClusters(),
                  actionPath + ".weighted_clusters",
                  requestMutations,
                  responseMutations,
                  perFilter);
      case CLUSTER_SPECIFIER_PLUGIN, INLINE_CLUSTER_SPECIFIER_PLUGIN ->
          throw new ConfigException(
              actionPath
                  + "."
                  + (action.hasInlineClusterSpecifierPlugin()
                      ? "inline_cluster_specifier_plugin"
                      : "cluster_specifier_plugin"),
              "cluster specifier plugins are not supported");
      default ->
          throw new ConfigException(
              actionPath,
              "a cluster specifier is required: one of cluster, cluster_header, weighted_clusters");
    }
    return new ForwardAction(selector, pathRewrite, hostRewrite, hashPolicy, policy);
  }

  @SuppressWarnings(
      "deprecation") // total_weight is deprecated; read only to document that it is ignored
  private ClusterSelector compileWeightedClusters(
      WeightedCluster weighted,
      String weightedPath,
      HeaderMutations requestMutations,
      HeaderMutations responseMutations,
      PerFilterConfigs routePerFilter)
      throws ConfigException {
    if (weighted.getClustersCount() == 0) {
      throw new ConfigException(weightedPath + ".clusters", "at least one cluster is required");
    }
    long total = 0;
    List<ClusterSelector.WeightedEntry> entries = new ArrayList<>();
    for (int k = 0; k < weighted.getClustersCount(); k++) {
      WeightedCluster.ClusterWeight cluster = weighted.getClusters(k);
      String clusterPath = weightedPath + ".clusters[" + k + "]";
      boolean hasName = !cluster.getName().isEmpty();
      boolean hasHeader = !cluster.getClusterHeader().isEmpty();
      if (hasName == hasHeader) {
        throw new ConfigException(
            clusterPath,
            hasName
                ? "only one of name or cluster_header can be specified"
                : "one of name or cluster_header is required");
      }
      if (!cluster.hasWeight()) {
        throw new ConfigException(clusterPath + ".weight", "weight is required");
      }
      long weight = cluster.getWeight().getValue() & 0xFFFFFFFFL;
      total += weight;
      if (total > 0xFFFFFFFFL) {
        throw new ConfigException(
            weightedPath + ".clusters", "the sum of weights exceeds 4294967295");
      }
      HeaderMutations.Level requestLevel =
          HeaderMutations.Level.compile(
              cluster.getRequestHeadersToAddList(),
              cluster.getRequestHeadersToRemoveList(),
              clusterPath + ".request_headers_to_add",
              clusterPath + ".request_headers_to_remove");
      HeaderMutations.Level responseLevel =
          HeaderMutations.Level.compile(
              cluster.getResponseHeadersToAddList(),
              cluster.getResponseHeadersToRemoveList(),
              clusterPath + ".response_headers_to_add",
              clusterPath + ".response_headers_to_remove");
      Optional<String> hostRewrite =
          cluster.getHostRewriteLiteral().isEmpty()
              ? Optional.empty()
              : Optional.of(cluster.getHostRewriteLiteral());
      if (hasName) {
        clusters.add(cluster.getName());
      }
      // The weighted cluster's own level always runs first, whatever
      // most_specific_header_mutations_wins says.
      ClusterSelector.Target target =
          new ClusterSelector.Target(
              hasName ? cluster.getName() : null,
              requestMutations.prependedWith(requestLevel),
              responseMutations.prependedWith(responseLevel),
              hostRewrite,
              routePerFilter.withMoreSpecific(
                  cluster.getTypedPerFilterConfigMap(), clusterPath, options.perFilterParser()));
      entries.add(
          new ClusterSelector.WeightedEntry(
              weight,
              target,
              hasHeader ? cluster.getClusterHeader().toLowerCase(Locale.ROOT) : null));
    }
    if (total == 0) {
      throw new ConfigException(
          weightedPath + ".clusters", "the sum of weights must be greater than 0");
    }
    String randomValueHeader =
        weighted.getHeaderName().isEmpty()
            ? null
            : weighted.getHeaderName().toLowerCase(Locale.ROOT);
    return ClusterSelector.weighted(List.copyOf(entries), total, randomValueHeader);
  }

  private CompiledRoute.Action compileRedirect(
      Route route, String redirectPath, HeaderMutations responseMutations) throws ConfigException {
    io.envoyproxy.envoy.config.route.v3.RedirectAction redirect = route.getRedirect();
    String scheme =
        switch (redirect.getSchemeRewriteSpecifierCase()) {
          case HTTPS_REDIRECT -> redirect.getHttpsRedirect() ? "https" : "";
          case SCHEME_REDIRECT -> redirect.getSchemeRedirect().toLowerCase(Locale.ROOT);
          default -> "";
        };
    if (redirect.getPortRedirect() > 65535) {
      throw new ConfigException(redirectPath + ".port_redirect", "port must be at most 65535");
    }
    PathRewrite rewrite = PathRewrite.NONE;
    String pathRedirect = "";
    switch (redirect.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT -> pathRedirect = redirect.getPathRedirect();
      case PREFIX_REWRITE -> rewrite = PathRewrite.prefix(redirect.getPrefixRewrite());
      case REGEX_REWRITE ->
          rewrite = regexRewrite(redirect.getRegexRewrite(), redirectPath + ".regex_rewrite");
      default -> {}
    }
    RedirectResponseCode code = redirect.getResponseCode();
    int status =
        switch (code) {
          case MOVED_PERMANENTLY -> 301;
          case FOUND -> 302;
          case SEE_OTHER -> 303;
          case TEMPORARY_REDIRECT -> 307;
          case PERMANENT_REDIRECT -> 308;
          default ->
              throw new ConfigException(
                  redirectPath + ".response_code", "unknown redirect response code");
        };
    return new RedirectAction(
        scheme,
        redirect.getHostRedirect(),
        redirect.getPortRedirect(),
        pathRedirect,
        rewrite,
        redirect.getStripQuery(),
        status,
        responseMutations,
        route.getName());
  }

  private CompiledRoute.Action compileDirectResponse(
      Route route, String directPath, HeaderMutations responseMutations) throws ConfigException {
    DirectResponseAction direct = route.getDirectResponse();
    if (direct.getStatus() < 200 || direct.getStatus() >= 600) {
      throw new ConfigException(
          directPath + ".status", "status must be in [200, 600), got " + direct.getStatus());
    }
    Optional<ByteString> body = Optional.empty();
    if (direct.hasBody()) {
      ByteString bytes =
          switch (direct.getBody().getSpecifierCase()) {
            case INLINE_STRING ->
                ByteString.copyFrom(direct.getBody().getInlineString(), StandardCharsets.UTF_8);
            case INLINE_BYTES -> direct.getBody().getInlineBytes();
            case SPECIFIER_NOT_SET -> ByteString.EMPTY;
            default ->
                throw new ConfigException(
                    directPath + ".body",
                    "only inline_string and inline_bytes bodies are supported");
          };
      if (bytes.size() > maxDirectResponseBody) {
        throw new ConfigException(
            directPath + ".body",
            "response body size is "
                + bytes.size()
                + " bytes; maximum is "
                + maxDirectResponseBody
                + " (max_direct_response_body_size_bytes)");
      }
      body = Optional.of(bytes);
    }
    RouteDecision decision =
        new RouteDecision.DirectResponse(
            direct.getStatus(), body, responseMutations, route.getName());
    return (request, pathMatch) -> decision;
  }

  private static PathRewrite regexRewrite(
      io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute proto, String fieldPath)
      throws ConfigException {
    if (!proto.hasPattern()) {
      throw new ConfigException(fieldPath + ".pattern", "pattern is required");
    }
    Regex pattern = Regex.compile(proto.getPattern().getRegex(), fieldPath + ".pattern.regex");
    return PathRewrite.regex(
        pattern, pattern.substitution(proto.getSubstitution(), fieldPath + ".substitution"));
  }

  private static Duration duration(com.google.protobuf.Duration proto, String fieldPath)
      throws ConfigException {
    if (proto.getSeconds() < 0 || proto.getNanos() < 0) {
      throw new ConfigException(fieldPath, "duration must not be negative");
    }
    return Duration.ofSeconds(proto.getSeconds(), proto.getNanos());
  }

  /** The checks Envoy makes when it loads a retry policy; its meaning is the retry package's. */
  /** Parsed once per route; the retry package owns the rules (and their error paths). */
  private static RetryPolicyConfig validateRetryPolicy(RetryPolicy policy, String fieldPath)
      throws ConfigException {
    return RetryPolicyConfig.from(policy, fieldPath);
  }
}
