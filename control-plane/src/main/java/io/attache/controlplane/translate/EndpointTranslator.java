package io.attache.controlplane.translate;

import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.EndpointAddress;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Service endpoints → ClusterLoadAssignment, grouped by locality in a fixed order so the same
 * endpoints always produce the same bytes (and the same version): served over EDS for services
 * addressed by IP, inlined in the cluster for a service reached by a DNS name (no EDS resource;
 * Envoy and the Attaché proxy refuse a name in EDS). Pure; never resolves names.
 */
public final class EndpointTranslator {

  private static final Comparator<Locality> LOCALITY_ORDER =
      Comparator.comparing(Locality::getRegion)
          .thenComparing(Locality::getZone)
          .thenComparing(Locality::getSubZone);

  public List<ClusterLoadAssignment> translate(PolicySnapshot policy, ProxyGroup group) {
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (Service service : policy.services().values()) {
      if (!resolvedByDns(service)) {
        assignments.add(assignment(service));
      }
    }
    return assignments;
  }

  /** Whether the service is reached by a DNS name: its cluster resolves it, EDS has no part. */
  static boolean resolvedByDns(Service service) {
    return service.getEndpointsList().stream()
        .anyMatch(e -> EndpointAddress.of(e.getAddress()) == EndpointAddress.HOST_NAME);
  }

  static ClusterLoadAssignment assignment(Service service) {
    Map<Locality, List<LbEndpoint>> byLocality = new TreeMap<>(LOCALITY_ORDER);
    for (Endpoint endpoint : service.getEndpointsList()) {
      byLocality
          .computeIfAbsent(locality(endpoint), l -> new ArrayList<>())
          .add(lbEndpoint(endpoint));
    }
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(service.getName());
    byLocality.forEach(
        (locality, endpoints) ->
            assignment.addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setLocality(locality)
                    .setLoadBalancingWeight(UInt32Value.of(weightOf(endpoints)))
                    .addAllLbEndpoints(endpoints)));
    return assignment.build();
  }

  /**
   * Proxyless gRPC (gRFC A27) drops every locality without a load_balancing_weight, so each one
   * carries the sum of its endpoints' weights: gRPC then splits traffic across localities as the
   * host weights do. Envoy ignores locality weights unless locality_weighted_lb_config is set.
   */
  private static int weightOf(List<LbEndpoint> endpoints) {
    int sum = 0;
    for (LbEndpoint endpoint : endpoints) {
      sum += endpoint.hasLoadBalancingWeight() ? endpoint.getLoadBalancingWeight().getValue() : 1;
    }
    return sum;
  }

  private static Locality locality(Endpoint endpoint) {
    return Locality.newBuilder()
        .setRegion(endpoint.getLocality().getRegion())
        .setZone(endpoint.getLocality().getZone())
        .setSubZone(endpoint.getLocality().getSubZone())
        .build();
  }

  private static LbEndpoint lbEndpoint(Endpoint endpoint) {
    LbEndpoint.Builder lb =
        LbEndpoint.newBuilder()
            .setEndpoint(
                io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                    .setAddress(
                        Address.newBuilder()
                            .setSocketAddress(
                                SocketAddress.newBuilder()
                                    .setAddress(endpoint.getAddress())
                                    .setPortValue(endpoint.getPort()))))
            .setHealthStatus(health(endpoint));
    if (endpoint.getWeight() > 0) {
      lb.setLoadBalancingWeight(UInt32Value.of(endpoint.getWeight()));
    }
    return lb.build();
  }

  private static HealthStatus health(Endpoint endpoint) {
    switch (endpoint.getHealth()) {
      case HEALTHY:
        return HealthStatus.HEALTHY;
      case UNHEALTHY:
        return HealthStatus.UNHEALTHY;
      case DRAINING:
        return HealthStatus.DRAINING;
      default:
        return HealthStatus.UNKNOWN;
    }
  }
}
