package io.attache.dataplane.stats;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every histogram of one proxy by Envoy's flat stat name, beside the {@link StatsStore} that holds
 * counters and gauges. Lookups create on first use and are meant to be done once per config object,
 * not per request.
 */
public final class HistogramStore {
  private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

  public Histogram histogram(String name) {
    return histograms.computeIfAbsent(name, Histogram::new);
  }

  /** A name-ordered copy of all histograms. */
  public SortedMap<String, Histogram> histograms() {
    return new TreeMap<>(histograms);
  }
}
