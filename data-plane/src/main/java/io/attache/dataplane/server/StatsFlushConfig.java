package io.attache.dataplane.server;

import com.google.protobuf.util.Durations;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.time.Duration;

/**
 * When the proxy flushes its stats (closes histogram intervals, refreshes {@code server.*} gauges):
 * every {@code stats_flush_interval} (Envoy's default 5 s), or, with {@code stats_flush_on_admin},
 * only when the admin endpoint is asked for stats.
 */
record StatsFlushConfig(Duration interval, boolean onAdmin) {
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  static StatsFlushConfig from(Bootstrap bootstrap) throws ConfigException {
    Duration interval = DEFAULT_INTERVAL;
    if (bootstrap.hasStatsFlushInterval()) {
      interval = Duration.ofMillis(Durations.toMillis(bootstrap.getStatsFlushInterval()));
      // Envoy's own bounds for the field: [1ms, 5m), so 300s itself is refused.
      if (interval.compareTo(Duration.ofMillis(1)) < 0
          || interval.compareTo(Duration.ofSeconds(300)) >= 0) {
        throw new ConfigException(
            "stats_flush_interval", "must be at least 1ms and less than 300s, got " + interval);
      }
    }
    boolean onAdmin = bootstrap.getStatsFlushOnAdmin();
    if (onAdmin && bootstrap.hasStatsFlushInterval()) {
      throw new ConfigException(
          "stats_flush_on_admin", "cannot be set together with stats_flush_interval");
    }
    return new StatsFlushConfig(interval, onAdmin);
  }
}
