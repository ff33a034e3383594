package io.attache.dataplane.tcpproxy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.tunnel.TunnelingConfig;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Envoy's {@code envoy.filters.network.tcp_proxy}, parsed and validated once: where a connection
 * goes (one cluster, or one of {@code weighted_clusters} drawn per connection), how long it may sit
 * idle or live at all, and how many upstream connects it may try. Immutable; a field it cannot
 * honour is refused by path here (or by the support matrix), never dropped.
 *
 * <p>With {@code tunneling_config} the TCP stream travels inside an HTTP request (CONNECT, or POST)
 * to the cluster, in the HTTP version the cluster's protocol options name.
 *
 * @param clusters one entry for {@code cluster}; several for {@code weighted_clusters}
 * @param idleTimeout zero disables it (Envoy's default is one hour)
 */
public record TcpProxyConfig(
    String statPrefix,
    List<ClusterWeight> clusters,
    Duration idleTimeout,
    Optional<Duration> maxDownstreamConnectionDuration,
    int maxConnectAttempts,
    List<AccessLog> accessLog,
    Optional<TunnelingConfig> tunneling,
    TcpProxy proto) {

  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
  static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

  /** One {@code weighted_clusters.clusters} entry (weight 1 for a plain {@code cluster}). */
  public record ClusterWeight(String name, long weight) {}

  public TcpProxyConfig {
    clusters = List.copyOf(clusters);
    accessLog = List.copyOf(accessLog);
  }

  public static TcpProxyConfig from(Any typedConfig, String path) throws ConfigException {
    TcpProxy proto;
    try {
      proto = typedConfig.unpack(TcpProxy.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "is not a valid TcpProxy: " + e.getMessage(), e);
    }
    return from(proto, path);
  }

  public static TcpProxyConfig from(TcpProxy proto, String path) throws ConfigException {
    if (proto.getStatPrefix().isEmpty()) {
      throw new ConfigException(path + ".stat_prefix", "is required");
    }
    List<ClusterWeight> clusters = new ArrayList<>();
    switch (proto.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (proto.getCluster().isEmpty()) {
          throw new ConfigException(path + ".cluster", "must not be empty");
        }
        clusters.add(new ClusterWeight(proto.getCluster(), 1));
      }
      case WEIGHTED_CLUSTERS -> {
        List<TcpProxy.WeightedCluster.ClusterWeight> entries =
            proto.getWeightedClusters().getClustersList();
        if (entries.isEmpty()) {
          throw new ConfigException(path + ".weighted_clusters.clusters", "must not be empty");
        }
        for (int i = 0; i < entries.size(); i++) {
          TcpProxy.WeightedCluster.ClusterWeight entry = entries.get(i);
          String entryPath = path + ".weighted_clusters.clusters[" + i + "]";
          if (entry.getName().isEmpty()) {
            throw new ConfigException(entryPath + ".name", "must not be empty");
          }
          if (entry.getWeight() < 1) {
            throw new ConfigException(entryPath + ".weight", "must be at least 1");
          }
          if (entry.hasMetadataMatch()) {
            throw new ConfigException(
                entryPath + ".metadata_match", "subset load balancing is not supported");
          }
          clusters.add(
              new ClusterWeight(entry.getName(), Integer.toUnsignedLong(entry.getWeight())));
        }
      }
      case CLUSTERSPECIFIER_NOT_SET ->
          throw new ConfigException(path, "one of cluster or weighted_clusters is required");
    }
    Duration idleTimeout =
        proto.hasIdleTimeout() ? duration(proto.getIdleTimeout()) : DEFAULT_IDLE_TIMEOUT;
    if (idleTimeout.isNegative()) {
      throw new ConfigException(path + ".idle_timeout", "must not be negative");
    }
    Optional<Duration> maxDuration = Optional.empty();
    if (proto.hasMaxDownstreamConnectionDuration()) {
      Duration d = duration(proto.getMaxDownstreamConnectionDuration());
      if (d.compareTo(Duration.ofMillis(1)) < 0) {
        throw new ConfigException(
            path + ".max_downstream_connection_duration", "must be at least 1ms");
      }
      maxDuration = Optional.of(d);
    }
    int attempts = 1;
    if (proto.hasMaxConnectAttempts()) {
      if (proto.getMaxConnectAttempts().getValue() < 1) {
        throw new ConfigException(path + ".max_connect_attempts", "must be at least 1");
      }
      attempts = proto.getMaxConnectAttempts().getValue();
    }
    return new TcpProxyConfig(
        proto.getStatPrefix(),
        clusters,
        idleTimeout,
        maxDuration,
        attempts,
        proto.getAccessLogList(),
        proto.hasTunnelingConfig()
            ? Optional.of(
                TunnelingConfig.from(proto.getTunnelingConfig(), path + ".tunneling_config"))
            : Optional.empty(),
        proto);
  }

  /** The cluster for one new connection: the only one, or one drawn by weight. */
  public String pickCluster(RandomSource random) {
    if (clusters.size() == 1) {
      return clusters.get(0).name();
    }
    long total = 0;
    for (ClusterWeight c : clusters) {
      total += c.weight();
    }
    long draw = random.nextLong(total);
    for (ClusterWeight c : clusters) {
      if (draw < c.weight()) {
        return c.name();
      }
      draw -= c.weight();
    }
    return clusters.get(clusters.size() - 1).name();
  }

  private static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
