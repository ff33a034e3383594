package io.attache.dataplane.stats;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every counter and gauge of one proxy, by Envoy's flat stat name (e.g. {@code
 * cluster.backend.upstream_rq_total}). Lookups create on first use and are meant to be done once
 * per config object, not per request. Rendering (text, Prometheus) lives in the admin package.
 */
public final class StatsStore {
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();

  public Counter counter(String name) {
    return counters.computeIfAbsent(name, Counter::new);
  }

  public Gauge gauge(String name) {
    return gauges.computeIfAbsent(name, Gauge::new);
  }

  /** A consistent-enough, name-ordered copy of all counters. */
  public SortedMap<String, Counter> counters() {
    return new TreeMap<>(counters);
  }

  /** A name-ordered copy of all gauges. */
  public SortedMap<String, Gauge> gauges() {
    return new TreeMap<>(gauges);
  }
}
