package io.attache.dataplane.filter.cors;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/** Envoy's {@code http.<stat_prefix>.cors.*} counters of one connection manager. */
record CorsStats(Counter originValid, Counter originInvalid) {
  static CorsStats create(StatsStore stats, String hcmStatPrefix) {
    String p = "http." + hcmStatPrefix + ".cors.";
    return new CorsStats(stats.counter(p + "origin_valid"), stats.counter(p + "origin_invalid"));
  }
}
