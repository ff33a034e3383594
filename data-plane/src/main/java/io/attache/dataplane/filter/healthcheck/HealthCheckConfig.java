package io.attache.dataplane.filter.healthcheck;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed {@code HealthCheck}: which requests are health checks ({@code headers}, all must match),
 * whether the filter answers them or passes them on, how long a passed-on answer is reused ({@code
 * cache_time}, pass-through mode only, as in Envoy) and the clusters whose health decides the
 * answer. Immutable.
 *
 * @param cacheTime zero for no cache
 * @param clusterMinHealthyPercentages cluster name to the least healthy-or-degraded percentage of
 *     its hosts, in name order
 */
record HealthCheckConfig(
    boolean passThroughMode,
    Duration cacheTime,
    Map<String, Double> clusterMinHealthyPercentages,
    List<HeaderMatch> headers) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck";

  static HealthCheckConfig from(Any typedConfig, String path) throws ConfigException {
    HealthCheck proto;
    try {
      proto = typedConfig.unpack(HealthCheck.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a HealthCheck: " + e.getMessage());
    }
    if (!proto.hasPassThroughMode()) {
      throw new ConfigException(path + ".pass_through_mode", "is required");
    }
    boolean passThrough = proto.getPassThroughMode().getValue();
    Duration cacheTime = Duration.ZERO;
    if (proto.hasCacheTime()) {
      cacheTime =
          Duration.ofSeconds(proto.getCacheTime().getSeconds(), proto.getCacheTime().getNanos());
      if (cacheTime.isNegative()) {
        throw new ConfigException(path + ".cache_time", "must not be negative");
      }
    }
    Map<String, Double> percentages = new TreeMap<>();
    for (var e : proto.getClusterMinHealthyPercentagesMap().entrySet()) {
      double value = e.getValue().getValue();
      if (value < 0 || value > 100) {
        throw new ConfigException(
            path + ".cluster_min_healthy_percentages[" + e.getKey() + "]",
            "must be in [0, 100], got " + value);
      }
      percentages.put(e.getKey(), value);
    }
    return new HealthCheckConfig(
        passThrough,
        passThrough ? cacheTime : Duration.ZERO,
        Collections.unmodifiableMap(percentages),
        HeaderMatch.compileAll(proto.getHeadersList(), path + ".headers"));
  }
}
