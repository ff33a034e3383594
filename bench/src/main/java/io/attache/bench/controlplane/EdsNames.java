package io.attache.bench.controlplane;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.Collection;
import java.util.List;

/**
 * What a proxy subscribes to over EDS after a CDS response, as Envoy does: one name per cluster of
 * type EDS, its {@code eds_cluster_config.service_name} or else the cluster's name. Sorted, so a
 * CDS update that changes no EDS cluster changes no subscription.
 */
final class EdsNames {
  private EdsNames() {}

  static List<String> of(Collection<Cluster> clusters) {
    return clusters.stream()
        .filter(c -> c.getType() == Cluster.DiscoveryType.EDS)
        .map(
            c ->
                c.getEdsClusterConfig().getServiceName().isEmpty()
                    ? c.getName()
                    : c.getEdsClusterConfig().getServiceName())
        .distinct()
        .sorted()
        .toList();
  }
}
