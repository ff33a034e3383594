package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.ActiveHealthCheck;
import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.CircuitBreakerThresholds;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Protocol;
import io.attache.api.policy.v1.Service;
import io.attache.api.policy.v1.TlsMode;
import io.attache.controlplane.policy.DefaultsMerger;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Service → Cluster (EDS over ADS; STRICT_DNS, or LOGICAL_DNS for proxyless gRPC, when the service
 * is reached by a DNS name) with the mesh defaults merged in: circuit breakers, outlier detection,
 * healthy_panic_threshold, health checks, TLS and upstream protocol options. Pure and
 * deterministic; must never look at anything but its arguments.
 */
public final class ClusterTranslator {

  private static final Duration DEFAULT_HEALTH_CHECK_INTERVAL =
      Duration.newBuilder().setSeconds(10).build();
  private static final Duration DEFAULT_HEALTH_CHECK_TIMEOUT =
      Duration.newBuilder().setSeconds(1).build();

  private final String trustDomain;
  private final IdentityTokenTranslator identityTokens;

  public ClusterTranslator() {
    this(SnapshotTranslator.DEFAULT_TRUST_DOMAIN);
  }

  /** {@code trustDomain}: the SPIFFE trust domain mesh peers must belong to under mTLS. */
  public ClusterTranslator(String trustDomain) {
    this(trustDomain, () -> JwksEndpoint.LOCAL);
  }

  /** {@code jwks}: where sidecars that verify identity tokens fetch the trust domain's keys. */
  public ClusterTranslator(String trustDomain, Supplier<JwksEndpoint> jwks) {
    this.trustDomain = trustDomain;
    this.identityTokens = new IdentityTokenTranslator(trustDomain, jwks);
  }

  public List<Cluster> translate(PolicySnapshot policy, ProxyGroup group) {
    List<Cluster> clusters = new ArrayList<>();
    boolean meshTls = MeshTls.enabled(policy.defaults().getMtls()) && group.kind().isProxy();
    for (Service service : policy.services().values()) {
      Cluster cluster = cluster(service, policy.defaults(), group.kind());
      // Proxyless gRPC clients take certificates from certificate providers, not SDS: not meshed.
      if (meshTls && service.getTlsMode() == TlsMode.TLS_MODE_UNSPECIFIED) {
        cluster =
            cluster.toBuilder()
                .setTransportSocket(MeshTls.upstream(trustDomain, service.getName()))
                .build();
      }
      clusters.add(cluster);
    }
    if (group.kind().isProxy() && group.sidecar().hasApp()) {
      clusters.add(appCluster(group.sidecar(), policy.defaults()));
    }
    if (group.kind().isProxy() && group.sidecar().intercepted()) {
      clusters.addAll(TransparentLayout.clusters(policy.defaults(), group.sidecar()));
    }
    if (identityTokens.verifies(policy, group)) {
      clusters.add(
          identityTokens.jwksCluster(
              policy.defaults().hasConnectTimeout()
                  ? java.util.Optional.of(policy.defaults().getConnectTimeout())
                  : java.util.Optional.empty()));
    }
    return clusters;
  }

  /**
   * The sidecar's own app, behind its inbound listener: a STATIC cluster with no breaker or outlier
   * detection of its own — the callers' proxies apply those — as Istio's inbound clusters.
   */
  private static Cluster appCluster(Sidecar sidecar, MeshDefaults defaults) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(sidecar.appClusterName())
            .setType(Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(sidecar.appClusterName())
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        Endpoint.newBuilder()
                                            .setAddress(
                                                Address.newBuilder()
                                                    .setSocketAddress(
                                                        SocketAddress.newBuilder()
                                                            .setAddress(sidecar.appAddress())
                                                            .setPortValue(sidecar.appPort())))))));
    if (defaults.hasConnectTimeout()) {
      cluster.setConnectTimeout(defaults.getConnectTimeout());
    }
    return cluster.build();
  }

  Cluster cluster(Service service, MeshDefaults defaults, ClientKind kind) {
    Cluster.Builder cluster =
        Cluster.newBuilder().setName(service.getName()).setLbPolicy(lbPolicy(service));
    if (EndpointTranslator.resolvedByDns(service)) {
      // As Istio serves a ServiceEntry resolved by DNS: the proxy resolves the name itself and
      // every address it gets is a host. Proxyless gRPC has LOGICAL_DNS only (gRFC A37), whose
      // resolver likewise hands every address to the balancer. IPv4 first, as on most meshes.
      cluster
          .setType(
              kind == ClientKind.PROXYLESS_GRPC
                  ? Cluster.DiscoveryType.LOGICAL_DNS
                  : Cluster.DiscoveryType.STRICT_DNS)
          .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
          .setLoadAssignment(EndpointTranslator.assignment(service));
    } else {
      cluster
          .setType(Cluster.DiscoveryType.EDS)
          .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(XdsNames.ads()));
    }
    if (service.hasConnectTimeout()) {
      cluster.setConnectTimeout(service.getConnectTimeout());
    } else if (defaults.hasConnectTimeout()) {
      cluster.setConnectTimeout(defaults.getConnectTimeout());
    }
    CircuitBreakerThresholds thresholds =
        DefaultsMerger.thresholds(defaults.getCircuitBreakers(), service.getCircuitBreakers());
    if (!thresholds.equals(CircuitBreakerThresholds.getDefaultInstance())) {
      cluster.setCircuitBreakers(circuitBreakers(thresholds));
    }
    BreakerPolicy breaker = DefaultsMerger.breaker(defaults.getBreaker(), service.getBreaker());
    if (hasOutlierDetection(breaker)) {
      cluster.setOutlierDetection(outlierDetection(breaker));
    }
    if (breaker.hasHealthyPanicThresholdPercent()) {
      cluster.setCommonLbConfig(
          Cluster.CommonLbConfig.newBuilder()
              .setHealthyPanicThreshold(
                  Percent.newBuilder()
                      .setValue(breaker.getHealthyPanicThresholdPercent().getValue())));
    }
    if (service.hasHealthCheck()) {
      cluster.addHealthChecks(healthCheck(service.getHealthCheck(), service.getProtocol()));
    }
    if (service.getTlsMode() == TlsMode.SIMPLE) {
      cluster.setTransportSocket(
          TransportSocket.newBuilder()
              .setName(XdsNames.TLS_TRANSPORT_SOCKET)
              .setTypedConfig(
                  Any.pack(UpstreamTlsContext.newBuilder().setSni(service.getName()).build())));
    }
    if (service.getProtocol() == Protocol.HTTP2 || service.getProtocol() == Protocol.GRPC) {
      cluster.putTypedExtensionProtocolOptions(
          XdsNames.HTTP_PROTOCOL_OPTIONS,
          Any.pack(
              HttpProtocolOptions.newBuilder()
                  .setExplicitHttpConfig(
                      HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                          .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                  .build()));
    }
    return cluster.build();
  }

  private static Cluster.LbPolicy lbPolicy(Service service) {
    switch (service.getLbPolicy()) {
      case LEAST_REQUEST:
        return Cluster.LbPolicy.LEAST_REQUEST;
      case RANDOM:
        return Cluster.LbPolicy.RANDOM;
      case RING_HASH:
        return Cluster.LbPolicy.RING_HASH;
      case MAGLEV:
        return Cluster.LbPolicy.MAGLEV;
      default:
        return Cluster.LbPolicy.ROUND_ROBIN;
    }
  }

  private static CircuitBreakers circuitBreakers(CircuitBreakerThresholds thresholds) {
    CircuitBreakers.Thresholds.Builder entry =
        CircuitBreakers.Thresholds.newBuilder().setPriority(RoutingPriority.DEFAULT);
    if (thresholds.hasMaxConnections()) {
      entry.setMaxConnections(thresholds.getMaxConnections());
    }
    if (thresholds.hasMaxPendingRequests()) {
      entry.setMaxPendingRequests(thresholds.getMaxPendingRequests());
    }
    if (thresholds.hasMaxRequests()) {
      entry.setMaxRequests(thresholds.getMaxRequests());
    }
    if (thresholds.hasMaxRetries()) {
      entry.setMaxRetries(thresholds.getMaxRetries());
    }
    return CircuitBreakers.newBuilder().addThresholds(entry).build();
  }

  private static boolean hasOutlierDetection(BreakerPolicy breaker) {
    return breaker.hasConsecutiveFailures()
        || breaker.hasWindow()
        || breaker.hasSleepWindow()
        || breaker.hasMaxEjectionPercent();
  }

  /**
   * The breaker as Envoy's outlier detection. The success-rate fields are Envoy's (and gRFC A50's)
   * defaults written out, which changes nothing for Envoy or the Attaché proxy: grpc-js-xds 1.14
   * copies an unset one as {@code undefined} over its own default, and its success-rate check then
   * throws on the first interval tick and ends the client's process (docs/interop.md, findings).
   */
  private static OutlierDetection outlierDetection(BreakerPolicy breaker) {
    OutlierDetection.Builder outlier =
        OutlierDetection.newBuilder()
            .setEnforcingSuccessRate(UInt32Value.of(100))
            .setSuccessRateMinimumHosts(UInt32Value.of(5))
            .setSuccessRateRequestVolume(UInt32Value.of(100))
            .setSuccessRateStdevFactor(UInt32Value.of(1900));
    if (breaker.hasConsecutiveFailures()) {
      outlier
          .setConsecutive5Xx(breaker.getConsecutiveFailures())
          .setEnforcingConsecutive5Xx(UInt32Value.of(100));
    }
    if (breaker.hasWindow()) {
      outlier.setInterval(breaker.getWindow());
    }
    if (breaker.hasSleepWindow()) {
      outlier.setBaseEjectionTime(breaker.getSleepWindow());
    }
    if (breaker.hasMaxEjectionPercent()) {
      outlier.setMaxEjectionPercent(breaker.getMaxEjectionPercent());
    }
    return outlier.build();
  }

  private static HealthCheck healthCheck(ActiveHealthCheck check, Protocol protocol) {
    HealthCheck.Builder health =
        HealthCheck.newBuilder()
            .setInterval(check.hasInterval() ? check.getInterval() : DEFAULT_HEALTH_CHECK_INTERVAL)
            .setTimeout(check.hasTimeout() ? check.getTimeout() : DEFAULT_HEALTH_CHECK_TIMEOUT)
            .setUnhealthyThreshold(UInt32Value.of(Math.max(1, check.getUnhealthyThreshold())))
            .setHealthyThreshold(UInt32Value.of(Math.max(1, check.getHealthyThreshold())));
    if (!check.getHttpPath().isEmpty()) {
      health.setHttpHealthCheck(
          HealthCheck.HttpHealthCheck.newBuilder().setPath(check.getHttpPath()));
    } else if (protocol == Protocol.GRPC) {
      health.setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance());
    } else {
      health.setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance());
    }
    return health.build();
  }
}
