package io.attache.dataplane.xds;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.tls.TransportSockets;
import io.attache.dataplane.tls.UpstreamTlsConfig;
import io.attache.dataplane.upstream.ClusterDefinition;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CDS: validates a Cluster with {@link ClusterDefinition#from}. For an EDS cluster its {@code
 * eds_cluster_config} is checked here (an {@code ads} eds_config, an optional service_name) and the
 * rest of the cluster is validated as if it were STATIC with no {@code load_assignment}: Envoy
 * takes an EDS cluster's hosts from EDS only, so its endpoints are validated when the
 * ClusterLoadAssignment arrives. Never changes the resource it is given.
 */
final class ClusterResourceParser extends ResourceParser<Cluster> {
  ClusterResourceParser() {
    super(XdsResourceType.CLUSTER, Cluster.class, "clusters");
  }

  @Override
  String nameOf(Cluster proto) {
    return proto.getName();
  }

  /** The EDS resource name of an EDS cluster: its {@code service_name}, else its name. */
  static String edsServiceName(Cluster cluster) {
    String serviceName = cluster.getEdsClusterConfig().getServiceName();
    return serviceName.isEmpty() ? cluster.getName() : serviceName;
  }

  @Override
  List<Dependency> validate(Cluster cluster, String name, String path) throws ConfigException {
    List<Dependency> secrets =
        SecretResourceParser.dependencies(
            TransportSockets.sdsSecrets(
                TransportSockets.upstream(cluster, path).map(UpstreamTlsConfig::common)));
    List<Dependency> all = new java.util.ArrayList<>(secrets);
    all.addAll(validateDiscovery(cluster, path));
    return List.copyOf(all);
  }

  private List<Dependency> validateDiscovery(Cluster cluster, String path) throws ConfigException {
    if (cluster.getClusterDiscoveryTypeCase() != Cluster.ClusterDiscoveryTypeCase.TYPE
        || cluster.getType() != Cluster.DiscoveryType.EDS) {
      if (cluster.hasEdsClusterConfig()) {
        throw new ConfigException(
            path + ".eds_cluster_config", "is only allowed on clusters of type EDS");
      }
      ClusterDefinition.from(cluster, path);
      return List.of();
    }
    String edsPath = path + ".eds_cluster_config";
    XdsClientConfig.onlyFields(
        cluster.getEdsClusterConfig(), edsPath, Set.of("eds_config", "service_name"), Map.of());
    if (!cluster.getEdsClusterConfig().hasEdsConfig()) {
      throw new ConfigException(edsPath + ".eds_config", "is required");
    }
    Duration timeout =
        XdsClientConfig.adsConfigSource(
            cluster.getEdsClusterConfig().getEdsConfig(), edsPath + ".eds_config");
    Cluster asStatic =
        cluster.toBuilder()
            .setType(Cluster.DiscoveryType.STATIC)
            .clearEdsClusterConfig()
            .clearLoadAssignment()
            .build();
    ClusterDefinition.from(asStatic, path);
    return List.of(
        new Dependency(
            XdsResourceType.ENDPOINT,
            edsServiceName(cluster),
            timeout,
            "cluster." + cluster.getName() + "."));
  }

  @Override
  boolean handledHere(String findingPath, String resourcePath) {
    return findingPath.equals(resourcePath + ".eds_cluster_config");
  }
}
