package io.attache.dataplane.router;

import java.util.List;
import java.util.Optional;

/**
 * How a RouteAction names its cluster: {@code cluster}, {@code cluster_header} or {@code
 * weighted_clusters}. Targets for fixed names are built once at compile time, so the common case
 * allocates nothing per request. Immutable.
 */
interface ClusterSelector {
  /**
   * The chosen cluster and the header mutations/host rewrite that come with it.
   *
   * @param cluster null when a {@code cluster_header} is absent or empty
   * @param perFilterConfigs the target's {@code typed_per_filter_config} chain (a weighted
   *     cluster's own level on top of the route's)
   */
  record Target(
      String cluster,
      HeaderMutations requestHeaderMutations,
      HeaderMutations responseHeaderMutations,
      Optional<String> hostRewriteLiteral,
      PerFilterConfigs perFilterConfigs) {}

  Target select(RequestView request);

  static ClusterSelector fixed(Target target) {
    return request -> target;
  }

  static ClusterSelector fromHeader(
      String header,
      HeaderMutations requestMutations,
      HeaderMutations responseMutations,
      PerFilterConfigs perFilterConfigs) {
    return request -> {
      String value = request.headerFirstValue(header);
      return new Target(
          value == null || value.isEmpty() ? null : value,
          requestMutations,
          responseMutations,
          Optional.empty(),
          perFilterConfigs);
    };
  }

  /**
   * One {@code WeightedCluster.ClusterWeight}: either a fixed target or, with {@code
   * cluster_header}, a target whose name is read from the request.
   */
  record WeightedEntry(long weight, Target fixed, String clusterHeader) {
    Target resolve(RequestView request) {
      if (clusterHeader == null) {
        return fixed;
      }
      String value = request.headerFirstValue(clusterHeader);
      return new Target(
          value == null || value.isEmpty() ? null : value,
          fixed.requestHeaderMutations(),
          fixed.responseHeaderMutations(),
          fixed.hostRewriteLiteral(),
          fixed.perFilterConfigs());
    }
  }

  /**
   * Envoy's pick: {@code value % total}, then the first entry whose cumulative weight exceeds it.
   * The value comes from {@code header_name} when that header holds exactly one unsigned 64-bit
   * decimal, else from the request's random value.
   */
  static ClusterSelector weighted(
      List<WeightedEntry> entries, long totalWeight, String randomValueHeader) {
    return request -> {
      long random = request.randomValue();
      if (randomValueHeader != null) {
        List<String> values = request.headers.getAll(randomValueHeader);
        if (values.size() == 1) {
          try {
            random = Long.parseUnsignedLong(values.get(0));
          } catch (NumberFormatException e) {
            // Envoy falls back to its own random value.
          }
        }
      }
      long selected = Long.remainderUnsigned(random, totalWeight);
      long end = 0;
      for (WeightedEntry entry : entries) {
        end += entry.weight();
        if (selected < end) {
          return entry.resolve(request);
        }
      }
      throw new IllegalStateException("weights were validated to sum to " + totalWeight);
    };
  }
}
