package io.attache.controlplane.xds;

import com.google.protobuf.Message;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ResourceVersions;
import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A java-control-plane snapshot whose every resource carries its own content-hash version, and
 * whose per-type version is derived from the versions of the requested resources. So a push that
 * changes one cluster re-sends only that cluster over delta, and leaves untouched types (and
 * untouched EDS/RDS subscriptions) silent over state-of-the-world. Resources are versioned through
 * a {@link ResourceVersionCache}, so one equal to a resource already served is neither hashed nor
 * serialised again, and the snapshot holds that resource's shared instance. The version of each set
 * of names a client asks for is computed once per snapshot, not once per request. Immutable (the
 * memo of set versions aside, which only ever caches what it would compute).
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
    this(resources, List.of(), 0, new ResourceVersionCache(), null);
  }

  /**
   * {@code secrets} are the group's SDS secrets; they are never part of {@link #source()}. {@code
   * revision}: the store revision the resources were translated from. {@code versions}: where
   * resources served before keep their version and serialised form. {@code previous}: the snapshot
   * the same node group had until now, or null; its resources are the first candidates.
   */
  VersionedSnapshot(
      EnvoyResources resources,
      List<Secret> secrets,
      long revision,
      ResourceVersionCache versions,
      VersionedSnapshot previous) {
    this.revision = revision;
    this.clusters =
        versioned(
            resources.clusters(),
            Cluster::getName,
            versions,
            previous == null ? null : previous.clusters);
    this.endpoints =
        versioned(
            resources.endpoints(),
            ClusterLoadAssignment::getClusterName,
            versions,
            previous == null ? null : previous.endpoints);
    this.listeners =
        versioned(
            resources.listeners(),
            Listener::getName,
            versions,
            previous == null ? null : previous.listeners);
    this.routes =
        versioned(
            resources.routes(),
            RouteConfiguration::getName,
            versions,
            previous == null ? null : previous.routes);
    this.secrets =
        versioned(secrets, Secret::getName, versions, previous == null ? null : previous.secrets);
    // The shared instances, in the translator's order: the translator's own copies of unchanged
    // resources become garbage instead of living on beside them.
    this.source =
        new EnvoyResources(
            shared(resources.clusters(), clusters, Cluster::getName),
            shared(resources.endpoints(), endpoints, ClusterLoadAssignment::getClusterName),
            shared(resources.listeners(), listeners, Listener::getName),
            shared(resources.routes(), routes, RouteConfiguration::getName));
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
      List<T> resources,
      Function<T, String> name,
      ResourceVersionCache versions,
      SnapshotResources<T> previous) {
    Map<String, VersionedResource<T>> before =
        previous == null ? Map.of() : previous.versionedResources();
    List<VersionedResource<T>> entries = new ArrayList<>(resources.size());
    SortedMap<String, String> versionsByName = new TreeMap<>();
    for (T resource : resources) {
      VersionedResource<T> versioned =
          versions.versioned(resource, before.get(name.apply(resource)));
      entries.add(versioned);
      versionsByName.put(name.apply(resource), versioned.version());
    }
    return SnapshotResources.create(entries, new SetVersions(versionsByName));
  }

  private static <T extends Message> List<T> shared(
      List<T> translated, SnapshotResources<T> versioned, Function<T, String> name) {
    Map<String, T> byName = versioned.resources();
    List<T> shared = new ArrayList<>(translated.size());
    for (T resource : translated) {
      shared.add(byName.get(name.apply(resource)));
    }
    return shared;
  }

  /**
   * The version of the set of names a client asks for, memoised per distinct set: every proxy of a
   * group asks for the same few sets, and each of their requests and ACKs asks again. The memo is
   * bounded, so a client inventing name lists costs CPU, never memory.
   */
  static final class SetVersions implements ResourceVersionResolver {
    static final int MEMOISED_SETS = 256;

    private final SortedMap<String, String> versionsByName;
    private final Map<List<String>, String> memo = new ConcurrentHashMap<>();
    private volatile String all;

    SetVersions(SortedMap<String, String> versionsByName) {
      this.versionsByName = versionsByName;
    }

    @Override
    public String version(List<String> requested) {
      if (requested.isEmpty()) {
        String version = all;
        if (version == null) {
          version = ResourceVersions.ofSet(versionsByName);
          all = version;
        }
        return version;
      }
      String known = memo.get(requested);
      if (known != null) {
        return known;
      }
      String version = ofSubset(requested);
      if (memo.size() < MEMOISED_SETS) {
        memo.putIfAbsent(List.copyOf(requested), version);
      }
      return version;
    }

    /** Name sets whose version is remembered now. */
    int memoisedSets() {
      return memo.size();
    }

    private String ofSubset(List<String> requested) {
      SortedMap<String, String> subset = new TreeMap<>();
      for (String resourceName : requested) {
        String version = versionsByName.get(resourceName);
        if (version != null) {
          subset.put(resourceName, version);
        }
      }
      return ResourceVersions.ofSet(subset);
    }
  }
}
