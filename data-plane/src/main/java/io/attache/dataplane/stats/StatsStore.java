package io.attache.dataplane.stats;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Every counter, gauge and histogram of one proxy, by Envoy's flat stat name (e.g. {@code
 * cluster.backend.upstream_rq_total}). Lookups create on first use and are meant to be done once
 * per config object, not per request. Histogram bucket bounds (used only for rendering) come from
 * the bootstrap's {@code stats_config.histogram_bucket_settings}, else Envoy's defaults. Rendering
 * (text, JSON, Prometheus) lives in the admin package.
 */
public final class StatsStore {
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Gauge> gauges = new ConcurrentHashMap<>();
  private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();
  private final Function<String, List<Double>> bucketsForName;
  private final RecentLookups recentLookups = new RecentLookups();

  public StatsStore() {
    this(name -> Histogram.DEFAULT_BUCKETS);
  }

  public StatsStore(Function<String, List<Double>> bucketsForName) {
    this.bucketsForName = bucketsForName;
  }

  public Counter counter(String name) {
    recentLookups.lookedUp(name);
    return counters.computeIfAbsent(name, Counter::new);
  }

  public Gauge gauge(String name) {
    recentLookups.lookedUp(name);
    return gauges.computeIfAbsent(name, Gauge::new);
  }

  public Histogram histogram(String name) {
    recentLookups.lookedUp(name);
    return histograms.computeIfAbsent(name, n -> new Histogram(n, bucketsForName.apply(n)));
  }

  /** Every lookup by name above, for {@code /stats/recentlookups}. */
  public RecentLookups recentLookups() {
    return recentLookups;
  }

  /** A consistent-enough, name-ordered copy of all counters. */
  public SortedMap<String, Counter> counters() {
    return new TreeMap<>(counters);
  }

  /** A name-ordered copy of all gauges. */
  public SortedMap<String, Gauge> gauges() {
    return new TreeMap<>(gauges);
  }

  /** A name-ordered copy of all histograms. */
  public SortedMap<String, Histogram> histograms() {
    return new TreeMap<>(histograms);
  }

  /** Ends the current interval of every histogram (part of Envoy's stats flush). */
  public void flushHistograms() {
    histograms.values().forEach(Histogram::flush);
  }

  /** {@code /reset_counters}: every counter back to 0; gauges and histograms keep their values. */
  public void resetCounters() {
    counters.values().forEach(Counter::reset);
  }
}
