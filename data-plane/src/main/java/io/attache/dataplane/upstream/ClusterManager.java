package io.attache.dataplane.upstream;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The proxy's running upstream clusters by name, built from {@code static_resources.clusters}.
 * Every cluster is validated before any is built, so a bad config changes nothing. {@link #start}
 * begins DNS resolution, {@link #close} stops every refresh. Lookups are safe from any thread.
 */
public final class ClusterManager implements AutoCloseable {
  private final Map<String, UpstreamCluster> clusters;

  private ClusterManager(Map<String, UpstreamCluster> clusters) {
    this.clusters = clusters;
  }

  public static ClusterManager fromBootstrap(Bootstrap bootstrap, UpstreamContext context)
      throws ConfigException {
    return create(
        bootstrap.getStaticResources().getClustersList(), "static_resources.clusters", context);
  }

  /**
   * @param fieldPath the path of the list in errors, e.g. {@code static_resources.clusters}
   */
  public static ClusterManager create(
      List<Cluster> protos, String fieldPath, UpstreamContext context) throws ConfigException {
    List<ClusterDefinition> definitions = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < protos.size(); i++) {
      String path = fieldPath + "[" + i + "]";
      ClusterDefinition definition = ClusterDefinition.from(protos.get(i), path);
      Integer earlier = seen.putIfAbsent(definition.name(), i);
      if (earlier != null) {
        throw new ConfigException(
            path + ".name",
            "duplicate cluster name '"
                + definition.name()
                + "' (also "
                + fieldPath
                + "["
                + earlier
                + "])");
      }
      definitions.add(definition);
    }
    Map<String, UpstreamCluster> clusters = new LinkedHashMap<>();
    for (ClusterDefinition definition : definitions) {
      clusters.put(definition.name(), new UpstreamCluster(definition, context));
    }
    // Config order is kept so the admin page lists clusters as they were written.
    return new ClusterManager(java.util.Collections.unmodifiableMap(clusters));
  }

  /**
   * One cluster outside any manager, for clusters that arrive over CDS; the caller starts and
   * closes it.
   */
  public static UpstreamCluster newCluster(ClusterDefinition definition, UpstreamContext context) {
    return new UpstreamCluster(definition, context);
  }

  /** Publishes static hosts and starts DNS resolution for every DNS cluster. */
  public void start() {
    clusters.values().forEach(UpstreamCluster::start);
  }

  /** The cluster of that name, or empty ("unknown cluster" for the router to answer). */
  public Optional<UpstreamCluster> cluster(String name) {
    return Optional.ofNullable(clusters.get(name));
  }

  public Collection<UpstreamCluster> clusters() {
    return clusters.values();
  }

  /** Completes when every cluster has had its first host resolution. */
  public CompletableFuture<Void> initialized() {
    return CompletableFuture.allOf(
        clusters.values().stream()
            .map(UpstreamCluster::initialized)
            .toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    clusters.values().forEach(UpstreamCluster::close);
  }
}
