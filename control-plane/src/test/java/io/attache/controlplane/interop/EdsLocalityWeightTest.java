package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.Locality;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.testing.Policies;
import io.attache.controlplane.translate.EndpointTranslator;
import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The EDS property proxyless gRPC depends on (gRFC A27): a locality without load_balancing_weight
 * is dropped by gRPC, which then has no endpoint at all. Found by {@link GrpcJavaProxylessIT}.
 */
class EdsLocalityWeightTest {

  @Test
  void everyLocalityCarriesTheSumOfItsEndpointWeights() {
    Service service =
        Service.newBuilder()
            .setName("orders")
            .addEndpoints(endpoint(9001, 0, ""))
            .addEndpoints(endpoint(9002, 3, ""))
            .addEndpoints(endpoint(9003, 2, "b"))
            .build();

    List<ClusterLoadAssignment> assignments =
        new EndpointTranslator().translate(Policies.policy(service), anyGroup());

    assertThat(assignments.get(0).getEndpointsList())
        .extracting(l -> l.getLocality().getZone(), l -> l.getLoadBalancingWeight().getValue())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("", 4),
            org.assertj.core.groups.Tuple.tuple("b", 2));
    assertThat(assignments.get(0).getEndpointsList())
        .allMatch(LocalityLbEndpoints::hasLoadBalancingWeight);
  }

  private static Endpoint endpoint(int port, int weight, String zone) {
    return Endpoint.newBuilder()
        .setAddress("127.0.0.1")
        .setPort(port)
        .setWeight(weight)
        .setLocality(Locality.newBuilder().setZone(zone))
        .build();
  }

  private static ProxyGroup anyGroup() {
    return ProxyGroup.of(
        io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("n").setCluster("c").build());
  }
}
