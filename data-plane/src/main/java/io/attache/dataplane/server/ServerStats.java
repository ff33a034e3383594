package io.attache.dataplane.server;

import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.Ticker;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Envoy's {@code server.*} stats, refreshed at each stats flush as Envoy refreshes them: liveness
 * and state, uptime, memory, connections, concurrency, version, hot-restart epoch, the days until
 * the first certificate in use expires, and {@code initialization_time_ms}. Counters Envoy keeps
 * for events Attaché cannot have (unknown fields are refused, there are no WIP protos) exist and
 * stay 0. Called from the flush timer and the admin thread; never from an event loop.
 */
final class ServerStats {
  private static final String PREFIX = "server.";

  private final Gauge live;
  private final Gauge state;
  private final Gauge uptime;
  private final Gauge memoryAllocated;
  private final Gauge memoryHeapSize;
  private final Gauge memoryPhysicalSize;
  private final Gauge totalConnections;
  private final Gauge daysUntilFirstCertExpiring;
  private final Histogram initializationTimeMs;
  private final Ticker ticker;
  private final long startNanos;
  private final Supplier<ServerInfo.State> serverState;
  private final LongSupplier connections;
  private final LongSupplier daysUntilCertExpiry;

  /**
   * @param serverState the state {@code /ready} reports
   * @param connections open downstream connections over every listener
   * @param daysUntilCertExpiry days until the first certificate in use expires (2^32-1: none)
   */
  ServerStats(
      StatsStore stats,
      ServerIdentity identity,
      Ticker ticker,
      Supplier<ServerInfo.State> serverState,
      LongSupplier connections,
      LongSupplier daysUntilCertExpiry) {
    this.ticker = ticker;
    this.startNanos = ticker.nanoTime();
    this.serverState = serverState;
    this.connections = connections;
    this.daysUntilCertExpiry = daysUntilCertExpiry;
    live = stats.gauge(PREFIX + "live");
    state = stats.gauge(PREFIX + "state");
    uptime = stats.gauge(PREFIX + "uptime");
    memoryAllocated = stats.gauge(PREFIX + "memory_allocated");
    memoryHeapSize = stats.gauge(PREFIX + "memory_heap_size");
    memoryPhysicalSize = stats.gauge(PREFIX + "memory_physical_size");
    totalConnections = stats.gauge(PREFIX + "total_connections");
    daysUntilFirstCertExpiring = stats.gauge(PREFIX + "days_until_first_cert_expiring");
    initializationTimeMs = stats.histogram(PREFIX + "initialization_time_ms");
    stats.gauge(PREFIX + "concurrency").set(identity.concurrency());
    stats.gauge(PREFIX + "version").set(identity.versionNumber());
    stats.gauge(PREFIX + "hot_restart_epoch").set(identity.restartEpoch());
    stats.gauge(PREFIX + "hot_restart_generation").set(1);
    stats.gauge(PREFIX + "parent_connections");
    stats.gauge(PREFIX + "compilation_settings.fips_mode");
    stats.gauge(PREFIX + "seconds_until_first_ocsp_response_expiring");
    for (String never :
        new String[] {
          "debug_assertion_failures",
          "envoy_bug_failures",
          "static_unknown_fields",
          "dynamic_unknown_fields",
          "wip_protos",
          "dropped_stat_flushes"
        }) {
      stats.counter(PREFIX + never);
    }
    refresh();
  }

  /** The process-level facts these gauges report that never change while it runs. */
  record ServerIdentity(int concurrency, long versionNumber, long restartEpoch) {}

  /**
   * Records how long the proxy took from start to LIVE (Envoy's {@code initialization_time_ms}).
   */
  void initialized() {
    initializationTimeMs.record(TimeUnit.NANOSECONDS.toMillis(ticker.nanoTime() - startNanos));
  }

  /** Brings every gauge up to date; part of each stats flush. */
  void refresh() {
    ServerInfo.State now = serverState.get();
    live.set(now == ServerInfo.State.LIVE ? 1 : 0);
    state.set(now.getNumber());
    uptime.set(TimeUnit.NANOSECONDS.toSeconds(ticker.nanoTime() - startNanos));
    ProcessMemory.Reading memory = ProcessMemory.read();
    memoryAllocated.set(memory.allocated());
    memoryHeapSize.set(memory.heapSize());
    memoryPhysicalSize.set(memory.physical());
    totalConnections.set(connections.getAsLong());
    daysUntilFirstCertExpiring.set(daysUntilCertExpiry.getAsLong());
  }

  /**
   * {@code server.version} as a number: Envoy packs its source revision; Attaché packs its release,
   * {@code major × 1,000,000 + minor × 1,000 + patch} ({@code 0.1.0-SNAPSHOT} is 1000), unless the
   * bootstrap's {@code stats_server_version_override} says otherwise.
   */
  static long versionNumber(String version, long override) {
    if (override != 0) {
      return override;
    }
    String[] parts = version.split("[.-]");
    long number = 0;
    long[] weights = {1_000_000, 1_000, 1};
    for (int i = 0; i < 3 && i < parts.length; i++) {
      try {
        number += Long.parseLong(parts[i]) * weights[i];
      } catch (NumberFormatException e) {
        break;
      }
    }
    return number;
  }
}
