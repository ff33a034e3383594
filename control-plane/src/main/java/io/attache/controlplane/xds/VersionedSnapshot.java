package io.attache.controlplane.xds;

import com.google.protobuf.Message;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ResourceVersions;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A java-control-plane snapshot whose every resource carries its own content-hash version, and
 * whose per-type version is derived from the versions of the requested resources. So a push that
 * changes one cluster re-sends only that cluster over delta, and leaves untouched types (and
 * untouched EDS/RDS subscriptions) silent over state-of-the-world. Immutable.
 */
final class VersionedSnapshot extends Snapshot {

  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;
  private final EnvoyResources source;
  private final long revision;

  VersionedSnapshot(EnvoyResources resources) {
    this(resources, List.of(), 0);
  }

  /**
   * {@code secrets} are the group's SDS secrets; they are never part of {@link #source()}. {@code
   * revision}: the store revision the resources were translated from.
   */
  VersionedSnapshot(EnvoyResources resources, List<Secret> secrets, long revision) {
    this.source = resources;
    this.revision = revision;
    this.clusters = versioned(resources.clusters(), Cluster::getName);
    this.endpoints = versioned(resources.endpoints(), ClusterLoadAssignment::getClusterName);
    this.listeners = versioned(resources.listeners(), Listener::getName);
    this.routes = versioned(resources.routes(), RouteConfiguration::getName);
    this.secrets = versioned(secrets, Secret::getName);
  }

  /** The store revision this snapshot was translated from. */
  long revision() {
    return revision;
  }

  /** The resources this snapshot was built from, for the config-dump endpoint; no secrets. */
  EnvoyResources source() {
    return source;
  }

  @Override
  public SnapshotResources<Cluster> clusters() {
    return clusters;
  }

  @Override
  public SnapshotResources<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  @Override
  public SnapshotResources<Listener> listeners() {
    return listeners;
  }

  @Override
  public SnapshotResources<RouteConfiguration> routes() {
    return routes;
  }

  @Override
  public SnapshotResources<Secret> secrets() {
    return secrets;
  }

  // The v3 base implements this with a wildcard type javac does not accept as an override of the
  // generic base class, so it is re-declared here and simply delegates.
  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Map versionedResources(Resources.ResourceType resourceType) {
    return super.versionedResources(resourceType);
  }

  private static <T extends Message> SnapshotResources<T> versioned(
      List<T> resources, Function<T, String> name) {
    List<VersionedResource<T>> entries = new ArrayList<>();
    SortedMap<String, String> versionsByName = new TreeMap<>();
    for (T resource : resources) {
      String version = ResourceVersions.of(resource);
      entries.add(VersionedResource.create(resource, version));
      versionsByName.put(name.apply(resource), version);
    }
    return SnapshotResources.create(
        entries,
        requested -> {
          if (requested.isEmpty()) {
            return ResourceVersions.ofSet(versionsByName);
          }
          SortedMap<String, String> subset = new TreeMap<>();
          for (String resourceName : requested) {
            String version = versionsByName.get(resourceName);
            if (version != null) {
              subset.put(resourceName, version);
            }
          }
          return ResourceVersions.ofSet(subset);
        });
  }
}
