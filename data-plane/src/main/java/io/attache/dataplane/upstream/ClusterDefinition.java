package io.attache.dataplane.upstream;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.upstream.dns.DnsLookupFamily;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.lb.LbPolicy;
import io.attache.dataplane.upstream.lb.LbSettings;
import io.attache.dataplane.upstream.lb.LeastRequestConfig;
import io.attache.dataplane.upstream.lb.RingHashConfig;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One upstream cluster as configured, parsed and validated once from Envoy's {@code
 * config.cluster.v3.Cluster} with Envoy's defaults filled in. Immutable and comparable by value, so
 * a config update can tell an unchanged cluster from a changed one. Holds no running state.
 *
 * @param outlierDetection kept for the outlier detector; parsed, not yet honoured here
 * @param healthChecks kept for active health checking; parsed, not yet honoured here
 * @param source the proto this was parsed from, for the field-support registry
 */
public record ClusterDefinition(
    String name,
    DiscoveryType type,
    Duration connectTimeout,
    LbPolicy lbPolicy,
    LeastRequestConfig leastRequest,
    RingHashConfig ringHash,
    boolean localityWeightedLb,
    double healthyPanicThresholdPercent,
    LoadAssignment loadAssignment,
    HttpSettings http,
    long perConnectionBufferLimitBytes,
    DnsSettings dns,
    CircuitBreakerSettings circuitBreakers,
    Optional<OutlierDetection> outlierDetection,
    List<HealthCheck> healthChecks,
    OriginalDstSettings originalDst,
    io.envoyproxy.envoy.config.cluster.v3.Cluster source) {

  /** How the cluster finds its hosts ({@code type}). */
  public enum DiscoveryType {
    STATIC,
    STRICT_DNS,
    LOGICAL_DNS,
    /** Hosts arrive at run time as ClusterLoadAssignments over ADS. */
    EDS,
    /** A host per original destination of the downstream connections, made on first use. */
    ORIGINAL_DST
  }

  /**
   * An ORIGINAL_DST cluster's {@code original_dst_lb_config} and {@code cleanup_interval}.
   *
   * @param httpHeaderName the header naming the host ({@code use_http_header}); empty when unused
   * @param upstreamPortOverride the port to use instead of the original destination's, or 0
   */
  public record OriginalDstSettings(
      Optional<String> httpHeaderName, int upstreamPortOverride, Duration cleanupInterval) {
    public static final String DEFAULT_HEADER = "x-envoy-original-dst-host";
    public static final OriginalDstSettings DEFAULTS =
        new OriginalDstSettings(Optional.empty(), 0, Duration.ofSeconds(5));
  }

  /** Which HTTP version upstream connections speak. */
  public enum UpstreamProtocol {
    HTTP1,
    HTTP2,
    /** The same version as the downstream request ({@code use_downstream_protocol_config}). */
    USE_DOWNSTREAM
  }

  /**
   * Upstream HTTP settings from the legacy cluster fields or from {@code
   * envoy.extensions.upstreams.http.v3.HttpProtocolOptions}.
   *
   * @param idleTimeout {@link Duration#ZERO} disables the idle timeout, as in Envoy
   * @param maxRequestsPerConnection empty means unlimited
   * @param headerKeyFormat the HTTP/1.1 options' {@code header_key_format}
   */
  public record HttpSettings(
      UpstreamProtocol protocol,
      Duration idleTimeout,
      OptionalLong maxRequestsPerConnection,
      int maxHeadersCount,
      io.attache.dataplane.headercase.HeaderKeyFormat headerKeyFormat) {
    public static final HttpSettings DEFAULTS =
        new HttpSettings(
            UpstreamProtocol.HTTP1,
            Duration.ofHours(1),
            OptionalLong.empty(),
            100,
            io.attache.dataplane.headercase.HeaderKeyFormat.DEFAULT);
  }

  /** {@code dns_refresh_rate}, {@code respect_dns_ttl}, {@code dns_lookup_family}. */
  public record DnsSettings(
      Duration refreshRate, boolean respectDnsTtl, DnsLookupFamily lookupFamily) {
    public static final DnsSettings DEFAULTS =
        new DnsSettings(Duration.ofSeconds(5), false, DnsLookupFamily.AUTO);
  }

  /** {@code load_assignment}. */
  public record LoadAssignment(List<LocalityEndpoints> endpoints, int overprovisioningFactor) {
    public static final int DEFAULT_OVERPROVISIONING_FACTOR = 140;
  }

  /**
   * One {@code load_assignment.endpoints} entry.
   *
   * @param loadBalancingWeight 0 when unset: such a locality gets no traffic under
   *     locality-weighted balancing
   */
  public record LocalityEndpoints(
      Locality locality,
      int loadBalancingWeight,
      int priority,
      List<EndpointDefinition> lbEndpoints) {}

  /**
   * One {@code lb_endpoints} entry: {@code address} is an IP literal for STATIC clusters and a name
   * to resolve for DNS clusters.
   */
  public record EndpointDefinition(
      String address, int port, String hostname, HostHealth health, int loadBalancingWeight) {}

  /**
   * Parses and validates {@code cluster}; {@code fieldPath} names it in errors (e.g. {@code
   * static_resources.clusters[2]}).
   */
  public static ClusterDefinition from(
      io.envoyproxy.envoy.config.cluster.v3.Cluster cluster, String fieldPath)
      throws ConfigException {
    return ClusterParser.parse(cluster, fieldPath);
  }

  /**
   * Parses an EDS {@code ClusterLoadAssignment} with the rules of a static {@code load_assignment}
   * (IP addresses only); {@code fieldPath} names it in errors.
   */
  public static LoadAssignment loadAssignmentFrom(
      io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment cla, String fieldPath)
      throws ConfigException {
    return ClusterParser.loadAssignment(cla, fieldPath, DiscoveryType.EDS);
  }

  /** What this cluster's load balancer needs: policy, its config, locality weighting, panic. */
  public LbSettings lbSettings() {
    return new LbSettings(
        lbPolicy(),
        leastRequest(),
        ringHash(),
        localityWeightedLb(),
        (int) Math.round(healthyPanicThresholdPercent()));
  }
}
