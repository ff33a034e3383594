package io.attache.dataplane.xds;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;

/**
 * EDS: a ClusterLoadAssignment is checked by the same code that checks a static cluster's {@code
 * load_assignment} (IP addresses only, as Envoy requires of EDS hosts; weights, priorities,
 * overprovisioning), so EDS and static endpoints obey one set of rules.
 */
final class EndpointResourceParser extends ResourceParser<ClusterLoadAssignment> {
  EndpointResourceParser() {
    super(XdsResourceType.ENDPOINT, ClusterLoadAssignment.class, "cluster_load_assignments");
  }

  @Override
  String nameOf(ClusterLoadAssignment proto) {
    return proto.getClusterName();
  }

  @Override
  List<Dependency> validate(ClusterLoadAssignment cla, String name, String path)
      throws ConfigException {
    Cluster carrier =
        Cluster.newBuilder()
            .setName(name)
            .setType(Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(cla)
            .build();
    try {
      ClusterDefinition.from(carrier, path);
    } catch (ConfigException e) {
      // Errors name the carrier's load_assignment; the resource itself is the load assignment.
      String carrierPath = path + ".load_assignment";
      String field = e.fieldPath();
      String detail =
          e.getMessage().substring(Math.min(e.getMessage().length(), field.length() + 2));
      throw new ConfigException(
          field.startsWith(carrierPath) ? path + field.substring(carrierPath.length()) : field,
          detail);
    }
    return List.of();
  }
}
