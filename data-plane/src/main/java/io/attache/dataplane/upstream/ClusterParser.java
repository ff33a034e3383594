package io.attache.dataplane.upstream;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.headercase.HeaderKeyFormat;
import io.attache.dataplane.upstream.ClusterDefinition.DiscoveryType;
import io.attache.dataplane.upstream.ClusterDefinition.DnsSettings;
import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.HttpSettings;
import io.attache.dataplane.upstream.ClusterDefinition.LoadAssignment;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.ClusterDefinition.OriginalDstSettings;
import io.attache.dataplane.upstream.ClusterDefinition.UpstreamProtocol;
import io.attache.dataplane.upstream.dns.DnsLookupFamily;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.lb.LbPolicy;
import io.attache.dataplane.upstream.lb.LeastRequestConfig;
import io.attache.dataplane.upstream.lb.RingHashConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.netty.util.NetUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Turns a Cluster proto into a {@link ClusterDefinition}, failing on the first field it cannot
 * honour with an error naming that field. Pure: never resolves names or touches the network.
 */
final class ClusterParser {
  static final String HTTP_PROTOCOL_OPTIONS_KEY =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  private ClusterParser() {}

  static ClusterDefinition parse(Cluster c, String path) throws ConfigException {
    if (c.getName().isEmpty()) {
      throw new ConfigException(path + ".name", "must not be empty");
    }
    DiscoveryType type = discoveryType(c, path);
    Duration connectTimeout =
        c.hasConnectTimeout() ? duration(c.getConnectTimeout()) : Duration.ofSeconds(5);
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new ConfigException(path + ".connect_timeout", "must be greater than 0s");
    }
    if (c.hasLoadBalancingPolicy()) {
      // When set, Envoy takes the LB from here and ignores lb_policy; reading lb_policy instead
      // would balance differently from a stock Envoy.
      throw new ConfigException(
          path + ".load_balancing_policy", "not supported yet; use lb_policy");
    }
    LbPolicy lbPolicy = lbPolicy(c, path);
    OriginalDstSettings originalDst = originalDst(c, path, type, lbPolicy);
    LeastRequestConfig leastRequest = leastRequest(c, path);
    RingHashConfig ringHash = ringHash(c, path, lbPolicy);
    double panicThreshold = 50.0;
    boolean localityWeighted = false;
    if (c.hasCommonLbConfig()) {
      Cluster.CommonLbConfig common = c.getCommonLbConfig();
      if (common.hasHealthyPanicThreshold()) {
        panicThreshold = common.getHealthyPanicThreshold().getValue();
        if (!(panicThreshold >= 0.0 && panicThreshold <= 100.0)) {
          throw new ConfigException(
              path + ".common_lb_config.healthy_panic_threshold.value", "must be within [0, 100]");
        }
      }
      localityWeighted = common.hasLocalityWeightedLbConfig();
    }
    // An EDS cluster's hosts come only from its ClusterLoadAssignment, as in Envoy.
    LoadAssignment loadAssignment =
        type == DiscoveryType.EDS || type == DiscoveryType.ORIGINAL_DST
            ? new LoadAssignment(List.of(), LoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR)
            : loadAssignment(c.getLoadAssignment(), path + ".load_assignment", type);
    HttpSettings http = http(c, path);
    long bufferLimit =
        c.hasPerConnectionBufferLimitBytes()
            ? Integer.toUnsignedLong(c.getPerConnectionBufferLimitBytes().getValue())
            : 1024 * 1024;
    DnsSettings dns = dns(c, path);
    // Validated here so a bad TLS context fails with the cluster's path; the running cluster
    // builds its own from the proto.
    io.attache.dataplane.tls.TransportSockets.upstream(c, path);
    CircuitBreakerSettings breakers =
        c.hasCircuitBreakers()
            ? CircuitBreakerSettings.from(c.getCircuitBreakers(), path + ".circuit_breakers")
            : CircuitBreakerSettings.DEFAULTS;
    return new ClusterDefinition(
        c.getName(),
        type,
        connectTimeout,
        lbPolicy,
        leastRequest,
        ringHash,
        localityWeighted,
        panicThreshold,
        loadAssignment,
        http,
        bufferLimit,
        dns,
        breakers,
        c.hasOutlierDetection() ? Optional.of(c.getOutlierDetection()) : Optional.empty(),
        List.copyOf(c.getHealthChecksList()),
        originalDst,
        c);
  }

  /** Envoy's rules for ORIGINAL_DST clusters, with its error texts. */
  private static OriginalDstSettings originalDst(
      Cluster c, String path, DiscoveryType type, LbPolicy lbPolicy) throws ConfigException {
    if (type != DiscoveryType.ORIGINAL_DST) {
      if (lbPolicy == LbPolicy.CLUSTER_PROVIDED) {
        throw new ConfigException(
            path + ".lb_policy",
            "cluster: LB policy CLUSTER_PROVIDED is not valid for Cluster type "
                + c.getType()
                + "; only ORIGINAL_DST clusters provide their own");
      }
      return OriginalDstSettings.DEFAULTS;
    }
    if (lbPolicy != LbPolicy.CLUSTER_PROVIDED) {
      throw new ConfigException(
          path + ".lb_policy",
          "cluster: LB policy "
              + c.getLbPolicy()
              + " is not valid for Cluster type ORIGINAL_DST. Only 'CLUSTER_PROVIDED' is allowed"
              + " with cluster type 'ORIGINAL_DST'");
    }
    if (c.hasLoadAssignment()) {
      throw new ConfigException(
          path + ".load_assignment",
          "ORIGINAL_DST clusters must have no load assignment configured");
    }
    Cluster.OriginalDstLbConfig config = c.getOriginalDstLbConfig();
    String base = path + ".original_dst_lb_config";
    if (!config.getUseHttpHeader() && !config.getHttpHeaderName().isEmpty()) {
      throw new ConfigException(
          base + ".http_header_name",
          "ORIGINAL_DST cluster: invalid config http_header_name="
              + config.getHttpHeaderName()
              + " and use_http_header is false. Set use_http_header to true if http_header_name"
              + " is desired.");
    }
    if (config.hasMetadataKey()) {
      throw new ConfigException(
          base + ".metadata_key", "picking the host from dynamic metadata is not supported");
    }
    int portOverride = 0;
    if (config.hasUpstreamPortOverride()) {
      long port = Integer.toUnsignedLong(config.getUpstreamPortOverride().getValue());
      if (port > 65535) {
        throw new ConfigException(base + ".upstream_port_override", "must be at most 65535");
      }
      portOverride = (int) port;
    }
    Duration cleanup = Duration.ofSeconds(5);
    if (c.hasCleanupInterval()) {
      cleanup = duration(c.getCleanupInterval());
      if (cleanup.isNegative() || cleanup.isZero()) {
        throw new ConfigException(path + ".cleanup_interval", "must be greater than 0s");
      }
    }
    Optional<String> header =
        config.getUseHttpHeader()
            ? Optional.of(
                config.getHttpHeaderName().isEmpty()
                    ? OriginalDstSettings.DEFAULT_HEADER
                    : config.getHttpHeaderName().toLowerCase(java.util.Locale.ROOT))
            : Optional.empty();
    return new OriginalDstSettings(header, portOverride, cleanup);
  }

  private static DiscoveryType discoveryType(Cluster c, String path) throws ConfigException {
    if (c.getClusterDiscoveryTypeCase() == Cluster.ClusterDiscoveryTypeCase.CLUSTER_TYPE) {
      throw new ConfigException(
          path + ".cluster_type", "custom cluster types are not supported yet; use type");
    }
    return switch (c.getType()) {
      case STATIC -> DiscoveryType.STATIC;
      case STRICT_DNS -> DiscoveryType.STRICT_DNS;
      case LOGICAL_DNS -> DiscoveryType.LOGICAL_DNS;
      case EDS -> DiscoveryType.EDS;
      case ORIGINAL_DST -> DiscoveryType.ORIGINAL_DST;
      default ->
          throw new ConfigException(path + ".type", "unknown discovery type " + c.getTypeValue());
    };
  }

  private static LbPolicy lbPolicy(Cluster c, String path) throws ConfigException {
    return switch (c.getLbPolicy()) {
      case ROUND_ROBIN -> LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST -> LbPolicy.LEAST_REQUEST;
      case RANDOM -> LbPolicy.RANDOM;
      case RING_HASH -> LbPolicy.RING_HASH;
      case CLUSTER_PROVIDED -> LbPolicy.CLUSTER_PROVIDED;
      default ->
          throw new ConfigException(path + ".lb_policy", c.getLbPolicy() + " is not supported");
    };
  }

  private static LeastRequestConfig leastRequest(Cluster c, String path) throws ConfigException {
    if (!c.hasLeastRequestLbConfig()) {
      return LeastRequestConfig.DEFAULTS;
    }
    Cluster.LeastRequestLbConfig config = c.getLeastRequestLbConfig();
    int choiceCount = 2;
    if (config.hasChoiceCount()) {
      long value = Integer.toUnsignedLong(config.getChoiceCount().getValue());
      if (value < 2 || value > 1024) {
        throw new ConfigException(
            path + ".least_request_lb_config.choice_count", "must be within [2, 1024]");
      }
      choiceCount = (int) value;
    }
    double bias = 1.0;
    if (config.hasActiveRequestBias()) {
      bias = config.getActiveRequestBias().getDefaultValue();
      if (!(bias >= 0.0) || Double.isInfinite(bias)) {
        throw new ConfigException(
            path + ".least_request_lb_config.active_request_bias.default_value",
            "must be a finite value >= 0");
      }
    }
    return new LeastRequestConfig(choiceCount, bias);
  }

  private static RingHashConfig ringHash(Cluster c, String path, LbPolicy policy)
      throws ConfigException {
    if (!c.hasRingHashLbConfig() || policy != LbPolicy.RING_HASH) {
      return RingHashConfig.DEFAULTS;
    }
    Cluster.RingHashLbConfig config = c.getRingHashLbConfig();
    String base = path + ".ring_hash_lb_config";
    long min = config.hasMinimumRingSize() ? config.getMinimumRingSize().getValue() : 1024;
    long max =
        config.hasMaximumRingSize()
            ? config.getMaximumRingSize().getValue()
            : RingHashConfig.MAX_RING_SIZE;
    if (min < 1 || min > RingHashConfig.MAX_RING_SIZE) {
      throw new ConfigException(base + ".minimum_ring_size", "must be within [1, 8388608]");
    }
    if (max < 1 || max > RingHashConfig.MAX_RING_SIZE) {
      throw new ConfigException(base + ".maximum_ring_size", "must be within [1, 8388608]");
    }
    if (min > max) {
      throw new ConfigException(
          base + ".minimum_ring_size",
          "minimum_ring_size (" + min + ") > maximum_ring_size (" + max + ")");
    }
    if (config.getHashFunction() != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
      throw new ConfigException(
          base + ".hash_function", config.getHashFunction() + " is not supported; use XX_HASH");
    }
    return new RingHashConfig(min, max, RingHashConfig.HashFunction.XX_HASH);
  }

  /** Parses a load assignment; {@code base} names it in errors. */
  static LoadAssignment loadAssignment(ClusterLoadAssignment cla, String base, DiscoveryType type)
      throws ConfigException {
    int overprovisioning = LoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR;
    if (cla.hasPolicy() && cla.getPolicy().hasOverprovisioningFactor()) {
      long value = Integer.toUnsignedLong(cla.getPolicy().getOverprovisioningFactor().getValue());
      if (value < 1 || value > Integer.MAX_VALUE / 100) {
        throw new ConfigException(
            base + ".policy.overprovisioning_factor", "must be greater than 0");
      }
      overprovisioning = (int) value;
    }
    List<LocalityEndpoints> localities = new ArrayList<>();
    int endpointCount = 0;
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      LocalityLbEndpoints locality = cla.getEndpoints(i);
      String localityPath = base + ".endpoints[" + i + "]";
      int weight = 0;
      if (locality.hasLoadBalancingWeight()) {
        long value = Integer.toUnsignedLong(locality.getLoadBalancingWeight().getValue());
        if (value < 1 || value > Integer.MAX_VALUE) {
          throw new ConfigException(localityPath + ".load_balancing_weight", "must be >= 1");
        }
        weight = (int) value;
      }
      if (locality.getPriority() < 0 || locality.getPriority() > 128) {
        throw new ConfigException(localityPath + ".priority", "must be within [0, 128]");
      }
      List<EndpointDefinition> endpoints = new ArrayList<>();
      for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
        endpoints.add(
            endpoint(locality.getLbEndpoints(j), localityPath + ".lb_endpoints[" + j + "]", type));
        endpointCount++;
      }
      localities.add(
          new LocalityEndpoints(
              Locality.from(locality.getLocality()),
              weight,
              locality.getPriority(),
              List.copyOf(endpoints)));
    }
    if (type == DiscoveryType.LOGICAL_DNS && (cla.getEndpointsCount() != 1 || endpointCount != 1)) {
      throw new ConfigException(
          base + ".endpoints",
          "LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single lb_endpoint");
    }
    return new LoadAssignment(List.copyOf(localities), overprovisioning);
  }

  private static EndpointDefinition endpoint(LbEndpoint lb, String path, DiscoveryType type)
      throws ConfigException {
    if (lb.getHostIdentifierCase() != LbEndpoint.HostIdentifierCase.ENDPOINT) {
      throw new ConfigException(path + ".endpoint", "is required (endpoint_name is not supported)");
    }
    String addressPath = path + ".endpoint.address";
    if (!lb.getEndpoint().getAddress().hasSocketAddress()) {
      throw new ConfigException(
          addressPath + ".socket_address",
          "is required (pipe and internal addresses are not supported)");
    }
    SocketAddress socket = lb.getEndpoint().getAddress().getSocketAddress();
    String socketPath = addressPath + ".socket_address";
    if (socket.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(socketPath + ".protocol", "only TCP is supported");
    }
    if (socket.getAddress().isEmpty()) {
      throw new ConfigException(socketPath + ".address", "must not be empty");
    }
    if (socket.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
      throw new ConfigException(
          socketPath + ".port_value", "is required (named_port is not supported)");
    }
    if (socket.getPortValue() > 65535) {
      throw new ConfigException(socketPath + ".port_value", "must be within [0, 65535]");
    }
    if ((type == DiscoveryType.STATIC || type == DiscoveryType.EDS)
        && NetUtil.createByteArrayFromIpAddressString(socket.getAddress()) == null) {
      throw new ConfigException(
          socketPath + ".address",
          "must be an IP address in a STATIC cluster: '" + socket.getAddress() + "'");
    }
    int weight = 1;
    if (lb.hasLoadBalancingWeight()) {
      long value = Integer.toUnsignedLong(lb.getLoadBalancingWeight().getValue());
      if (value < 1 || value > Integer.MAX_VALUE) {
        throw new ConfigException(path + ".load_balancing_weight", "must be >= 1");
      }
      weight = (int) value;
    }
    return new EndpointDefinition(
        socket.getAddress(),
        socket.getPortValue(),
        lb.getEndpoint().getHostname(),
        HostHealth.from(lb.getHealthStatus()),
        weight);
  }

  private static HttpSettings http(Cluster c, String path) throws ConfigException {
    boolean legacyProtocol =
        c.hasHttp2ProtocolOptions()
            || c.hasHttpProtocolOptions()
            || c.hasCommonHttpProtocolOptions();
    UpstreamProtocol protocol = UpstreamProtocol.HTTP1;
    HeaderKeyFormat headerKeyFormat = HeaderKeyFormat.DEFAULT;
    HttpProtocolOptions common = null;
    String commonPath = path + ".common_http_protocol_options";
    Any typed = c.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS_KEY);
    String typedPath =
        path + ".typed_extension_protocol_options[\"" + HTTP_PROTOCOL_OPTIONS_KEY + "\"]";
    if (typed != null) {
      if (legacyProtocol) {
        throw new ConfigException(
            typedPath,
            "cannot be combined with http_protocol_options, http2_protocol_options or common_http_protocol_options");
      }
      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions options;
      try {
        options =
            typed.unpack(
                io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
      } catch (InvalidProtocolBufferException e) {
        throw new ConfigException(typedPath, "is not an HttpProtocolOptions: " + e.getMessage(), e);
      }
      switch (options.getUpstreamProtocolOptionsCase()) {
        case EXPLICIT_HTTP_CONFIG -> {
          var explicit = options.getExplicitHttpConfig();
          if (explicit.hasHttpProtocolOptions()) {
            headerKeyFormat =
                HeaderKeyFormat.fromProto(
                    explicit.getHttpProtocolOptions(),
                    typedPath + ".explicit_http_config.http_protocol_options");
          }
          protocol =
              switch (explicit.getProtocolConfigCase()) {
                case HTTP_PROTOCOL_OPTIONS -> UpstreamProtocol.HTTP1;
                case HTTP2_PROTOCOL_OPTIONS -> UpstreamProtocol.HTTP2;
                case HTTP3_PROTOCOL_OPTIONS ->
                    throw new ConfigException(
                        typedPath + ".explicit_http_config.http3_protocol_options",
                        "HTTP/3 is not supported");
                case PROTOCOLCONFIG_NOT_SET ->
                    throw new ConfigException(
                        typedPath + ".explicit_http_config",
                        "one of the protocol options is required");
              };
        }
        case USE_DOWNSTREAM_PROTOCOL_CONFIG -> {
          if (options.getUseDownstreamProtocolConfig().hasHttp3ProtocolOptions()) {
            throw new ConfigException(
                typedPath + ".use_downstream_protocol_config.http3_protocol_options",
                "HTTP/3 is not supported");
          }
          protocol = UpstreamProtocol.USE_DOWNSTREAM;
          if (options.getUseDownstreamProtocolConfig().hasHttpProtocolOptions()) {
            headerKeyFormat =
                HeaderKeyFormat.fromProto(
                    options.getUseDownstreamProtocolConfig().getHttpProtocolOptions(),
                    typedPath + ".use_downstream_protocol_config.http_protocol_options");
          }
        }
        case AUTO_CONFIG ->
            throw new ConfigException(
                typedPath + ".auto_config", "ALPN protocol selection is not supported yet");
        case UPSTREAMPROTOCOLOPTIONS_NOT_SET ->
            throw new ConfigException(
                typedPath,
                "one of explicit_http_config, use_downstream_protocol_config, auto_config is required");
      }
      if (options.hasCommonHttpProtocolOptions()) {
        common = options.getCommonHttpProtocolOptions();
        commonPath = typedPath + ".common_http_protocol_options";
      }
    } else {
      if (c.hasHttp2ProtocolOptions()) {
        protocol = UpstreamProtocol.HTTP2;
      }
      if (c.hasHttpProtocolOptions()) {
        headerKeyFormat =
            HeaderKeyFormat.fromProto(c.getHttpProtocolOptions(), path + ".http_protocol_options");
      }
      if (c.getProtocolSelection() == Cluster.ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL) {
        protocol = UpstreamProtocol.USE_DOWNSTREAM;
      }
      if (c.hasCommonHttpProtocolOptions()) {
        common = c.getCommonHttpProtocolOptions();
      }
    }
    HttpSettings defaults = HttpSettings.DEFAULTS;
    Duration idle = defaults.idleTimeout();
    OptionalLong maxRequests = OptionalLong.empty();
    int maxHeaders = defaults.maxHeadersCount();
    if (common != null) {
      if (common.hasIdleTimeout()) {
        idle = duration(common.getIdleTimeout());
        if (idle.isNegative()) {
          throw new ConfigException(commonPath + ".idle_timeout", "must not be negative");
        }
      }
      if (common.hasMaxHeadersCount()) {
        long value = Integer.toUnsignedLong(common.getMaxHeadersCount().getValue());
        if (value < 1 || value > Integer.MAX_VALUE) {
          throw new ConfigException(commonPath + ".max_headers_count", "must be >= 1");
        }
        maxHeaders = (int) value;
      }
      if (common.hasMaxRequestsPerConnection()) {
        maxRequests =
            OptionalLong.of(
                Integer.toUnsignedLong(common.getMaxRequestsPerConnection().getValue()));
      }
    }
    if (c.hasMaxRequestsPerConnection()) {
      if (maxRequests.isPresent()) {
        throw new ConfigException(
            path + ".max_requests_per_connection",
            "only one of max_requests_per_connection from Cluster or HttpProtocolOptions can be specified");
      }
      maxRequests =
          OptionalLong.of(Integer.toUnsignedLong(c.getMaxRequestsPerConnection().getValue()));
    }
    // Envoy treats 0 as "no limit".
    if (maxRequests.isPresent() && maxRequests.getAsLong() == 0) {
      maxRequests = OptionalLong.empty();
    }
    return new HttpSettings(protocol, idle, maxRequests, maxHeaders, headerKeyFormat);
  }

  private static DnsSettings dns(Cluster c, String path) throws ConfigException {
    Duration refresh = DnsSettings.DEFAULTS.refreshRate();
    if (c.hasDnsRefreshRate()) {
      refresh = duration(c.getDnsRefreshRate());
      if (refresh.compareTo(Duration.ofMillis(1)) <= 0) {
        throw new ConfigException(path + ".dns_refresh_rate", "must be greater than 1ms");
      }
    }
    return new DnsSettings(
        refresh, c.getRespectDnsTtl(), DnsLookupFamily.from(c.getDnsLookupFamily()));
  }

  static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
