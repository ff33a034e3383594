package io.attache.dataplane.hcm;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.ConfiguredHttpFilter;
import io.attache.dataplane.filter.rbac.RbacFilterConfig;
import io.attache.dataplane.filter.rbac.RbacFilterType;
import io.attache.dataplane.filter.router.RouterFilterType;
import io.attache.dataplane.http.Http1ServerConfig;
import io.attache.dataplane.http2.Http2ServerConfig;
import io.attache.dataplane.path.PathNormalizer;
import io.attache.dataplane.router.RouteTable;
import io.attache.dataplane.router.RouteTableOptions;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.tls.ForwardClientCert;
import io.attache.dataplane.tracing.OperationName;
import io.attache.dataplane.tracing.TracingConfig;
import io.attache.dataplane.trust.InternalAddressConfig;
import io.attache.dataplane.trust.LocalAddress;
import io.attache.dataplane.trust.RequestTrust;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP connection manager of one listener, parsed and validated once from Envoy's proto. Holds
 * the compiled route table; immutable, shared by every connection of the listener.
 */
public record HttpConnectionManagerConfig(
    String statPrefix,
    CodecType codecType,
    RouteTable routes,
    boolean generateRequestId,
    boolean preserveExternalRequestId,
    boolean alwaysSetRequestIdInResponse,
    RequestTrust trust,
    PathNormalizer paths,
    String serverName,
    ServerHeaderTransformation serverHeaderTransformation,
    int maxRequestHeadersKb,
    int maxHeadersCount,
    Duration requestHeadersTimeout,
    Duration streamIdleTimeout,
    Duration requestTimeout,
    Duration idleTimeout,
    Duration drainTimeout,
    Duration maxStreamDuration,
    Http1ServerConfig http1,
    Http2ServerConfig http2,
    List<ConfiguredHttpFilter<?>> httpFilters,
    Optional<TracingConfig> tracing,
    ForwardClientCert forwardClientCert,
    UpgradeConfigs upgrades,
    Optional<String> schemeToOverwrite,
    HttpConnectionManager proto) {

  /** HCM {@code server_header_transformation}. */
  public enum ServerHeaderTransformation {
    OVERWRITE,
    APPEND_IF_ABSENT,
    PASS_THROUGH
  }

  /** Unpacks and validates an HCM {@code typed_config}; {@code path} names it in errors. */
  public static HttpConnectionManagerConfig from(
      Any typedConfig, String path, int listenerPort, OperationName operationName)
      throws ConfigException {
    HttpConnectionManager hcm;
    try {
      hcm = typedConfig.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an HttpConnectionManager: " + e.getMessage());
    }
    return from(hcm, path, listenerPort, operationName, RouteConfigSource.NONE);
  }

  /**
   * As above with the route configurations RDS delivered; {@code rds} is refused when {@code
   * routeConfigs} is {@link RouteConfigSource#NONE}.
   */
  public static HttpConnectionManagerConfig from(
      Any typedConfig,
      String path,
      int listenerPort,
      OperationName operationName,
      RouteConfigSource routeConfigs)
      throws ConfigException {
    return from(
        typedConfig, path, listenerPort, operationName, routeConfigs, RuntimeSnapshot.EMPTY);
  }

  /** As above, the route table's runtime keys read from {@code runtime}. */
  public static HttpConnectionManagerConfig from(
      Any typedConfig,
      String path,
      int listenerPort,
      OperationName operationName,
      RouteConfigSource routeConfigs,
      Runtime runtime)
      throws ConfigException {
    HttpConnectionManager hcm;
    try {
      hcm = typedConfig.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an HttpConnectionManager: " + e.getMessage());
    }
    return from(hcm, path, listenerPort, operationName, routeConfigs, runtime);
  }

  public static HttpConnectionManagerConfig from(
      HttpConnectionManager hcm, String path, int listenerPort, OperationName operationName)
      throws ConfigException {
    return from(hcm, path, listenerPort, operationName, RouteConfigSource.NONE);
  }

  public static HttpConnectionManagerConfig from(
      HttpConnectionManager hcm,
      String path,
      int listenerPort,
      OperationName operationName,
      RouteConfigSource routeConfigs)
      throws ConfigException {
    return from(hcm, path, listenerPort, operationName, routeConfigs, RuntimeSnapshot.EMPTY);
  }

  public static HttpConnectionManagerConfig from(
      HttpConnectionManager hcm,
      String path,
      int listenerPort,
      OperationName operationName,
      RouteConfigSource routeConfigs,
      Runtime runtime)
      throws ConfigException {
    if (hcm.getStatPrefix().isEmpty()) {
      throw new ConfigException(path + ".stat_prefix", "must not be empty");
    }
    CodecType codec =
        switch (hcm.getCodecType()) {
          case AUTO -> CodecType.AUTO;
          case HTTP1 -> CodecType.HTTP1;
          case HTTP2 -> CodecType.HTTP2;
          default ->
              throw new ConfigException(
                  path + ".codec_type", hcm.getCodecType() + " is not supported");
        };
    RouteConfiguration routeConfig;
    String routePath;
    if (hcm.hasRouteConfig()) {
      routeConfig = hcm.getRouteConfig();
      routePath = path + ".route_config";
    } else if (hcm.hasRds()) {
      String name = hcm.getRds().getRouteConfigName();
      if (routeConfigs == RouteConfigSource.NONE) {
        throw new ConfigException(
            path + ".rds",
            "rds is only supported for listeners that arrive over ADS (dynamic_resources)");
      }
      if (name.isEmpty()) {
        throw new ConfigException(path + ".rds.route_config_name", "must not be empty");
      }
      // Not arrived (its initial fetch timed out): Envoy serves an empty table, so every request
      // gets 404 until it arrives.
      routeConfig =
          routeConfigs
              .routeConfig(name)
              .orElse(RouteConfiguration.newBuilder().setName(name).build());
      routePath = "route_configs[\"" + name + "\"]";
    } else {
      throw new ConfigException(
          path + ".route_config",
          "route_config or rds is required (scoped_routes is not supported)");
    }
    List<ConfiguredHttpFilter<?>> filters = HttpFilterRegistry.parse(hcm, path);
    List<String> rbacNames =
        filters.stream()
            .filter(f -> f.type() == RbacFilterType.INSTANCE)
            .map(ConfiguredHttpFilter::name)
            .toList();
    Optional<TracingConfig> tracing =
        hcm.hasTracing()
            ? Optional.of(
                TracingConfig.from(hcm.getTracing(), path + ".tracing", operationName)
                    .withStartChildSpan(
                        filters.stream()
                            .anyMatch(
                                f ->
                                    f.type() == RouterFilterType.INSTANCE
                                        && ((Router) f.config()).getStartChildSpan())))
            : Optional.empty();
    RouteTableOptions.HostPortStripping stripping =
        switch (hcm.getStripPortModeCase()) {
          case STRIP_ANY_HOST_PORT ->
              hcm.getStripAnyHostPort()
                  ? RouteTableOptions.HostPortStripping.STRIP_ANY_HOST_PORT
                  : RouteTableOptions.HostPortStripping.NONE;
          default ->
              hcm.getStripMatchingHostPort()
                  ? RouteTableOptions.HostPortStripping.STRIP_MATCHING_HOST_PORT
                  : RouteTableOptions.HostPortStripping.NONE;
        };
    refuseRbacPerRoute(routeConfig, routePath, rbacNames);
    RequestTrust trust =
        new RequestTrust(
            hcm.hasUseRemoteAddress() && hcm.getUseRemoteAddress().getValue(),
            hcm.getXffNumTrustedHops(),
            hcm.getSkipXffAppend(),
            InternalAddressConfig.from(hcm, path),
            routeConfig.getInternalOnlyHeadersList().stream()
                .map(name -> name.toLowerCase(Locale.ROOT))
                .toList(),
            LocalAddress.get());
    RouteTable routes =
        RouteTable.compile(
            routeConfig,
            routePath,
            new RouteTableOptions(
                stripping, listenerPort, HttpFilterRegistry::parsePerRoute, runtime));

    int maxHeadersKb = hcm.hasMaxRequestHeadersKb() ? hcm.getMaxRequestHeadersKb().getValue() : 60;
    if (maxHeadersKb < 1 || maxHeadersKb > 8192) {
      throw new ConfigException(path + ".max_request_headers_kb", "must be in [1, 8192]");
    }
    int maxHeadersCount =
        hcm.getCommonHttpProtocolOptions().hasMaxHeadersCount()
            ? hcm.getCommonHttpProtocolOptions().getMaxHeadersCount().getValue()
            : 100;
    if (maxHeadersCount < 1) {
      throw new ConfigException(
          path + ".common_http_protocol_options.max_headers_count", "must be at least 1");
    }
    ServerHeaderTransformation serverHeader =
        switch (hcm.getServerHeaderTransformation()) {
          case OVERWRITE -> ServerHeaderTransformation.OVERWRITE;
          case APPEND_IF_ABSENT -> ServerHeaderTransformation.APPEND_IF_ABSENT;
          case PASS_THROUGH -> ServerHeaderTransformation.PASS_THROUGH;
          default ->
              throw new ConfigException(path + ".server_header_transformation", "unknown value");
        };
    return new HttpConnectionManagerConfig(
        hcm.getStatPrefix(),
        codec,
        routes,
        !hcm.hasGenerateRequestId() || hcm.getGenerateRequestId().getValue(),
        hcm.getPreserveExternalRequestId(),
        hcm.getAlwaysSetRequestIdInResponse(),
        trust,
        PathNormalizer.from(hcm, path),
        hcm.getServerName().isEmpty() ? "envoy" : hcm.getServerName(),
        serverHeader,
        maxHeadersKb,
        maxHeadersCount,
        duration(hcm.hasRequestHeadersTimeout(), hcm.getRequestHeadersTimeout(), Duration.ZERO),
        duration(hcm.hasStreamIdleTimeout(), hcm.getStreamIdleTimeout(), Duration.ofMinutes(5)),
        duration(hcm.hasRequestTimeout(), hcm.getRequestTimeout(), Duration.ZERO),
        duration(
            hcm.getCommonHttpProtocolOptions().hasIdleTimeout(),
            hcm.getCommonHttpProtocolOptions().getIdleTimeout(),
            Duration.ofHours(1)),
        duration(hcm.hasDrainTimeout(), hcm.getDrainTimeout(), Duration.ofSeconds(5)),
        duration(
            hcm.getCommonHttpProtocolOptions().hasMaxStreamDuration(),
            hcm.getCommonHttpProtocolOptions().getMaxStreamDuration(),
            Duration.ZERO),
        Http1ServerConfig.fromProto(hcm, path),
        Http2ServerConfig.fromProto(hcm, path, maxHeadersKb),
        filters,
        tracing,
        ForwardClientCert.from(hcm),
        UpgradeConfigs.from(hcm, path),
        parseSchemeToOverwrite(hcm, path),
        hcm);
  }

  /**
   * {@code scheme_header_transformation.scheme_to_overwrite}: the scheme every request takes, as
   * {@code :scheme} and {@code x-forwarded-proto}, once the trust decision has set them; empty when
   * unset. Read once here, not per request.
   */
  private static Optional<String> parseSchemeToOverwrite(HttpConnectionManager hcm, String path)
      throws ConfigException {
    var transformation = hcm.getSchemeHeaderTransformation();
    String scheme = transformation.getSchemeToOverwrite();
    if (!scheme.isEmpty() && !scheme.equals("http") && !scheme.equals("https")) {
      throw new ConfigException(
          path + ".scheme_header_transformation.scheme_to_overwrite",
          "must be \"http\" or \"https\", not \"" + scheme + "\"");
    }
    if (transformation.getMatchUpstream() && scheme.isEmpty()) {
      throw new ConfigException(
          path + ".scheme_header_transformation.match_upstream",
          "not supported: the upstream :scheme is the downstream request's");
    }
    return scheme.isEmpty() ? Optional.empty() : Optional.of(scheme);
  }

  /**
   * {@code RBACPerRoute} (and any per-route entry under an RBAC filter's name) is not parsed yet;
   * for an access-control setting, refusing it is the only safe answer until it is.
   */
  private static void refuseRbacPerRoute(RouteConfiguration routes, String path, List<String> names)
      throws ConfigException {
    refuseRbacPerRoute(routes.getTypedPerFilterConfigMap(), path, names);
    for (int v = 0; v < routes.getVirtualHostsCount(); v++) {
      VirtualHost vhost = routes.getVirtualHosts(v);
      String vp = path + ".virtual_hosts[" + v + "]";
      refuseRbacPerRoute(vhost.getTypedPerFilterConfigMap(), vp, names);
      for (int r = 0; r < vhost.getRoutesCount(); r++) {
        Route route = vhost.getRoutes(r);
        String rp = vp + ".routes[" + r + "]";
        refuseRbacPerRoute(route.getTypedPerFilterConfigMap(), rp, names);
        List<WeightedCluster.ClusterWeight> weighted =
            route.getRoute().getWeightedClusters().getClustersList();
        for (int w = 0; w < weighted.size(); w++) {
          refuseRbacPerRoute(
              weighted.get(w).getTypedPerFilterConfigMap(),
              rp + ".route.weighted_clusters.clusters[" + w + "]",
              names);
        }
      }
    }
  }

  private static void refuseRbacPerRoute(
      Map<String, Any> perFilter, String path, List<String> names) throws ConfigException {
    for (Map.Entry<String, Any> e : perFilter.entrySet()) {
      boolean rbacType =
          e.getValue().getTypeUrl().equals(RbacFilterConfig.PER_ROUTE_TYPE_URL)
              || e.getValue().getTypeUrl().equals(RbacFilterConfig.TYPE_URL);
      if (rbacType
          || names.contains(e.getKey())
          || e.getKey().equals(RbacFilterConfig.FILTER_NAME)) {
        throw new ConfigException(
            path + ".typed_per_filter_config[\"" + e.getKey() + "\"]",
            "RBACPerRoute is not supported: the RBAC filter runs before routing and takes no"
                + " per-route config; put the policy in the RBAC filter's own rules");
      }
    }
  }

  private static Duration duration(
      boolean present, com.google.protobuf.Duration value, Duration fallback)
      throws ConfigException {
    if (!present) {
      return fallback;
    }
    if (value.getSeconds() < 0 || value.getNanos() < 0) {
      throw new ConfigException("", "durations must not be negative");
    }
    return Duration.ofSeconds(value.getSeconds(), value.getNanos());
  }
}
