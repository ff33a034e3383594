package io.attache.dataplane.xds;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the proxy reaches its control plane, parsed once from the bootstrap's {@code node} and {@code
 * dynamic_resources}: which protocol variant, which server, which types are fetched over ADS and
 * their initial fetch timeouts. Immutable; it never opens a connection itself.
 *
 * @param servers every endpoint of the static cluster named by {@code envoy_grpc}, in the order of
 *     its localities and {@code lb_endpoints}; a name is resolved by gRPC when a channel connects,
 *     not here
 * @param authority {@code envoy_grpc.authority}; empty means the cluster name, as in Envoy
 * @param maxReceiveMessageLength {@code envoy_grpc.max_receive_message_length}; unlimited when 0
 * @param wildcardTypes the wildcard types with an {@code ads} config source (CDS, LDS)
 * @param initialFetchTimeouts per wildcard type; {@link Duration#ZERO} waits forever
 */
public record XdsClientConfig(
    Node node,
    ApiType apiType,
    String adsClusterName,
    List<Server> servers,
    String authority,
    int maxReceiveMessageLength,
    List<Header> initialMetadata,
    boolean setNodeOnFirstMessageOnly,
    Set<XdsResourceType> wildcardTypes,
    Map<XdsResourceType, Duration> initialFetchTimeouts) {

  /** Envoy's default {@code initial_fetch_timeout}. */
  public static final Duration DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(15);

  static final String USER_AGENT_NAME = "attache";

  /** {@code ads_config.api_type}. */
  public enum ApiType {
    /** {@code GRPC}: every response carries the whole set of the type. */
    STATE_OF_THE_WORLD,
    /** {@code DELTA_GRPC}: responses carry changes and removals. */
    DELTA
  }

  /** One endpoint of the ADS cluster: a control-plane replica (or a name for several). */
  public record Server(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** One {@code grpc_services[0].initial_metadata} entry, sent on every stream. */
  public record Header(String key, String value) {}

  public XdsClientConfig {
    servers = List.copyOf(servers);
    initialMetadata = List.copyOf(initialMetadata);
    wildcardTypes = Set.copyOf(wildcardTypes);
    initialFetchTimeouts = Map.copyOf(initialFetchTimeouts);
  }

  /** The initial fetch timeout of a wildcard type; zero when the type is not fetched. */
  public Duration initialFetchTimeout(XdsResourceType type) {
    return initialFetchTimeouts.getOrDefault(type, Duration.ZERO);
  }

  /**
   * Parses the ADS part of {@code bootstrap}; {@code path} prefixes every error's field path (empty
   * for a bootstrap file's root).
   */
  public static XdsClientConfig from(Bootstrap bootstrap, String path) throws ConfigException {
    return from(bootstrap, path, userAgentVersion());
  }

  /** As {@link #from(Bootstrap, String)} with an explicit {@code user_agent_version}. */
  public static XdsClientConfig from(Bootstrap bootstrap, String path, String userAgentVersion)
      throws ConfigException {
    String drPath = join(path, "dynamic_resources");
    if (!bootstrap.hasDynamicResources()) {
      throw new ConfigException(drPath, "is required for ADS");
    }
    var dynamic = bootstrap.getDynamicResources();
    onlyFields(
        dynamic,
        drPath,
        Set.of("lds_config", "cds_config", "ads_config"),
        Map.of(
            "lds_resources_locator", "xdstp:// resource locators are not supported",
            "cds_resources_locator", "xdstp:// resource locators are not supported",
            "default_config_source", "only ADS config sources are supported"));
    if (!dynamic.hasAdsConfig()) {
      throw new ConfigException(join(drPath, "ads_config"), "is required");
    }
    Node node = node(bootstrap, path, userAgentVersion);

    String adsPath = join(drPath, "ads_config");
    ApiConfigSource ads = dynamic.getAdsConfig();
    onlyFields(
        ads,
        adsPath,
        Set.of(
            "api_type",
            "transport_api_version",
            "grpc_services",
            "set_node_on_first_message_only",
            "rate_limit_settings"),
        Map.of(
            "cluster_names", "cluster_names is for REST; use grpc_services",
            "refresh_delay", "only for REST",
            "request_timeout", "only for REST",
            "config_validators", "config validators are not supported"));
    ApiType apiType =
        switch (ads.getApiType()) {
          case GRPC -> ApiType.STATE_OF_THE_WORLD;
          case DELTA_GRPC -> ApiType.DELTA;
          default ->
              throw new ConfigException(
                  join(adsPath, "api_type"),
                  ads.getApiType() + " is not supported for ADS; use GRPC or DELTA_GRPC");
        };
    // Envoy 1.40 accepts AUTO (the default, what a bootstrap that leaves the field out says) and
    // V3 and speaks v3 for both; it refuses V2, whose protocol it no longer has.
    if (ads.getTransportApiVersion() == ApiVersion.V2) {
      throw new ConfigException(
          join(adsPath, "transport_api_version"),
          "V2 is not supported (the v2 xDS transport is gone, as in Envoy); use V3 or leave it"
              + " unset");
    }
    if (ads.getGrpcServicesCount() != 1) {
      throw new ConfigException(
          join(adsPath, "grpc_services"),
          "exactly one gRPC service is required (found " + ads.getGrpcServicesCount() + ")");
    }
    String gsPath = adsPath + ".grpc_services[0]";
    GrpcService service = ads.getGrpcServices(0);
    onlyFields(
        service,
        gsPath,
        Set.of("envoy_grpc", "initial_metadata", "timeout", "retry_policy"),
        Map.of("google_grpc", "the Google gRPC client is not supported; use envoy_grpc"));
    if (!service.hasEnvoyGrpc()) {
      throw new ConfigException(join(gsPath, "envoy_grpc"), "is required");
    }
    String egPath = join(gsPath, "envoy_grpc");
    GrpcService.EnvoyGrpc envoyGrpc = service.getEnvoyGrpc();
    onlyFields(
        envoyGrpc,
        egPath,
        Set.of(
            "cluster_name",
            "authority",
            "max_receive_message_length",
            "skip_envoy_headers",
            "retry_policy"),
        Map.of());
    if (envoyGrpc.getClusterName().isEmpty()) {
      throw new ConfigException(join(egPath, "cluster_name"), "must not be empty");
    }
    List<Server> servers =
        staticClusterServers(bootstrap, path, envoyGrpc.getClusterName(), egPath);
    List<Header> metadata = new ArrayList<>();
    for (int i = 0; i < service.getInitialMetadataCount(); i++) {
      HeaderValue header = service.getInitialMetadata(i);
      String hPath = gsPath + ".initial_metadata[" + i + "]";
      if (header.getKey().isEmpty()) {
        throw new ConfigException(join(hPath, "key"), "must not be empty");
      }
      if (header.getKey().toLowerCase(java.util.Locale.ROOT).endsWith("-bin")) {
        throw new ConfigException(join(hPath, "key"), "binary (-bin) metadata is not supported");
      }
      String value =
          header.getRawValue().isEmpty() ? header.getValue() : header.getRawValue().toStringUtf8();
      metadata.add(new Header(header.getKey().toLowerCase(java.util.Locale.ROOT), value));
    }
    long maxReceive =
        envoyGrpc.hasMaxReceiveMessageLength()
            ? Integer.toUnsignedLong(envoyGrpc.getMaxReceiveMessageLength().getValue())
            : 0;

    Set<XdsResourceType> wildcard = new java.util.LinkedHashSet<>();
    Map<XdsResourceType, Duration> timeouts = new java.util.EnumMap<>(XdsResourceType.class);
    if (dynamic.hasCdsConfig()) {
      timeouts.put(
          XdsResourceType.CLUSTER,
          adsConfigSource(dynamic.getCdsConfig(), join(drPath, "cds_config")));
      wildcard.add(XdsResourceType.CLUSTER);
    }
    if (dynamic.hasLdsConfig()) {
      timeouts.put(
          XdsResourceType.LISTENER,
          adsConfigSource(dynamic.getLdsConfig(), join(drPath, "lds_config")));
      wildcard.add(XdsResourceType.LISTENER);
    }
    return new XdsClientConfig(
        node,
        apiType,
        envoyGrpc.getClusterName(),
        servers,
        envoyGrpc.getAuthority(),
        maxReceive == 0 || maxReceive > Integer.MAX_VALUE ? 0 : (int) maxReceive,
        metadata,
        ads.getSetNodeOnFirstMessageOnly(),
        wildcard,
        timeouts);
  }

  /**
   * Checks a {@code ConfigSource} that must point at ADS (bootstrap {@code lds_config}/{@code
   * cds_config}, an HCM's {@code rds.config_source}, a cluster's {@code eds_config}); returns its
   * {@code initial_fetch_timeout}.
   */
  static Duration adsConfigSource(ConfigSource source, String path) throws ConfigException {
    onlyFields(
        source,
        path,
        Set.of("ads", "initial_fetch_timeout", "resource_api_version"),
        Map.of(
            "path", "only ads config sources are supported",
            "path_config_source", "only ads config sources are supported",
            "api_config_source", "only ads config sources are supported",
            "self", "only ads config sources are supported",
            "authorities", "xdstp:// authorities are not supported"));
    if (!source.hasAds()) {
      throw new ConfigException(join(path, "ads"), "is required (only ADS is supported)");
    }
    if (source.getResourceApiVersion() == ApiVersion.V2) {
      throw new ConfigException(join(path, "resource_api_version"), "V2 is not supported");
    }
    if (!source.hasInitialFetchTimeout()) {
      return DEFAULT_INITIAL_FETCH_TIMEOUT;
    }
    com.google.protobuf.Duration d = source.getInitialFetchTimeout();
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(join(path, "initial_fetch_timeout"), "must not be negative");
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static Node node(Bootstrap bootstrap, String path, String userAgentVersion)
      throws ConfigException {
    Node configured = bootstrap.getNode();
    // Envoy refuses ADS without both: the control plane keys its snapshots on them.
    if (configured.getId().isEmpty()) {
      throw new ConfigException(join(path, "node.id"), "is required for ADS");
    }
    if (configured.getCluster().isEmpty()) {
      throw new ConfigException(join(path, "node.cluster"), "is required for ADS");
    }
    Node.Builder node =
        Node.newBuilder()
            .setId(configured.getId())
            .setCluster(configured.getCluster())
            .setUserAgentName(USER_AGENT_NAME)
            .setUserAgentVersion(userAgentVersion);
    if (configured.hasMetadata()) {
      node.setMetadata(configured.getMetadata());
    }
    if (configured.hasLocality()) {
      node.setLocality(configured.getLocality());
    }
    return node.build();
  }

  /**
   * Every endpoint of the ADS cluster, across its localities: the control-plane replicas a stream
   * may go to (Envoy's {@code envoy_grpc} picks one host of the cluster per stream).
   */
  private static List<Server> staticClusterServers(
      Bootstrap bootstrap, String path, String clusterName, String referencePath)
      throws ConfigException {
    List<Cluster> clusters = bootstrap.getStaticResources().getClustersList();
    for (int i = 0; i < clusters.size(); i++) {
      Cluster cluster = clusters.get(i);
      if (!cluster.getName().equals(clusterName)) {
        continue;
      }
      String cPath = join(path, "static_resources.clusters[" + i + "]");
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        throw new ConfigException(
            join(cPath, "type"), "the ADS cluster must be statically defined, not EDS");
      }
      List<Server> servers = new ArrayList<>();
      var localities = cluster.getLoadAssignment().getEndpointsList();
      for (int l = 0; l < localities.size(); l++) {
        var endpoints = localities.get(l).getLbEndpointsList();
        for (int e = 0; e < endpoints.size(); e++) {
          SocketAddress address = endpoints.get(e).getEndpoint().getAddress().getSocketAddress();
          if (address.getAddress().isEmpty()
              || address.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
            throw new ConfigException(
                join(
                    cPath,
                    "load_assignment.endpoints["
                        + l
                        + "].lb_endpoints["
                        + e
                        + "].endpoint.address"),
                "the ADS cluster's endpoint needs a socket_address with address and port_value");
          }
          servers.add(new Server(address.getAddress(), address.getPortValue()));
        }
      }
      if (servers.isEmpty()) {
        throw new ConfigException(
            join(cPath, "load_assignment.endpoints"), "the ADS cluster needs an endpoint");
      }
      return servers;
    }
    throw new ConfigException(
        join(referencePath, "cluster_name"),
        "no cluster named '" + clusterName + "' in static_resources.clusters");
  }

  /**
   * Refuses any set field of {@code message} outside {@code allowed}; {@code rejected} gives the
   * reason for the fields known to be unsupported.
   */
  static void onlyFields(
      Message message, String path, Set<String> allowed, Map<String, String> rejected)
      throws ConfigException {
    for (FieldDescriptor field : message.getAllFields().keySet()) {
      String name = field.getName();
      if (allowed.contains(name)) {
        continue;
      }
      throw new ConfigException(
          join(path, name), rejected.getOrDefault(name, "not supported by Attaché"));
    }
  }

  private static String userAgentVersion() {
    return io.attache.api.BuildVersion.get();
  }

  static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
