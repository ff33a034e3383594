package io.attache.dataplane.filter.extauthz;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import java.time.Clock;
import java.util.function.Function;

/**
 * The ext_authz filter of one HTTP connection manager: its config, the clusters checks go through,
 * the injected clock and randomness, and Envoy's counters — {@code
 * http.<hcm_prefix>.ext_authz.[<stat_prefix>.]{ok,denied,error,disabled,failure_mode_allowed}} and
 * the same names under the route's {@code cluster.<name>.}. Shared by every event loop;
 * thread-safe; never blocks.
 */
final class ExtAuthzFilter {
  final ExtAuthzConfig config;
  final Function<String, ClusterHandle> clusters;
  final Clock clock;
  final RandomSource random;
  private final StatsStore stats;
  private final String namePrefix;
  final Counter ok;
  final Counter denied;
  final Counter error;
  final Counter disabled;
  final Counter failureModeAllowed;

  ExtAuthzFilter(ExtAuthzConfig config, FilterFactoryContext context) {
    this.config = config;
    this.clusters = context.clusters();
    this.clock = context.clock();
    this.random = context.random();
    this.stats = context.stats();
    this.namePrefix =
        "ext_authz." + (config.statPrefix().isEmpty() ? "" : config.statPrefix() + ".");
    String base = "http." + context.statPrefix() + "." + namePrefix;
    this.ok = stats.counter(base + "ok");
    this.denied = stats.counter(base + "denied");
    this.error = stats.counter(base + "error");
    this.disabled = stats.counter(base + "disabled");
    this.failureModeAllowed = stats.counter(base + "failure_mode_allowed");
  }

  /** The route cluster's counter {@code cluster.<cluster>.ext_authz.[<stat_prefix>.]<name>}. */
  void chargeCluster(String cluster, String name) {
    stats.counter("cluster." + cluster + "." + namePrefix + name).inc();
  }

  /** Draws {@code filter_enabled} for one request. */
  boolean enabled() {
    ExtAuthzConfig.Fraction f = config.filterEnabled();
    if (f.numerator() == 0) {
      return false;
    }
    return f.numerator() >= f.denominator() || random.nextLong(f.denominator()) < f.numerator();
  }
}
