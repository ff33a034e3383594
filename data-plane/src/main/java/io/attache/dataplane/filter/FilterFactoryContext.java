package io.attache.dataplane.filter;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tls.SecretStore;
import java.time.Clock;
import java.util.function.Function;

/**
 * What a filter factory may use, shared by every filter of one listener: where its stats go ({@code
 * http.<statPrefix>.*}), the running clusters, the injected time and randomness, and the layered
 * runtime that filters read their runtime keys from per request. Immutable.
 *
 * @param filterName the filter's {@code HttpFilter.name}: the key of its per-route configs and logs
 * @param statPrefix the connection manager's {@code stat_prefix}
 * @param clusters running clusters by name; null for a name that does not exist
 * @param runtime the bootstrap's {@code layered_runtime} (with admin overrides); read per request,
 *     never kept as a snapshot
 * @param server the proxy's service cluster and health-check state
 */
public record FilterFactoryContext(
    String filterName,
    String statPrefix,
    StatsStore stats,
    Function<String, ClusterHandle> clusters,
    RandomSource random,
    Ticker ticker,
    Clock clock,
    SecretStore secrets,
    Runtime runtime,
    LocalServer server) {

  /** The same context for another filter of the chain. */
  public FilterFactoryContext forFilter(String name) {
    return new FilterFactoryContext(
        name, statPrefix, stats, clusters, random, ticker, clock, secrets, runtime, server);
  }
}
