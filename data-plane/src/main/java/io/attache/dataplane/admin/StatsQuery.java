package io.attache.dataplane.admin;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.HistogramStore;
import io.attache.dataplane.stats.StatsStore;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code /stats} query parameters Envoy understands ({@code filter}, {@code usedonly}) applied
 * to one snapshot of the store. Our stats carry no "used" bit, so {@code usedonly} keeps the
 * counters and gauges whose value is not zero and the histograms with samples — the closest
 * observable meaning.
 */
record StatsQuery(Optional<Pattern> filter, boolean usedOnly) {
  static final StatsQuery ALL = new StatsQuery(Optional.empty(), false);

  SortedMap<String, Long> counters(StatsStore store) {
    SortedMap<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Counter> e : store.counters().entrySet()) {
      keep(out, e.getKey(), e.getValue().value());
    }
    return out;
  }

  SortedMap<String, Long> gauges(StatsStore store) {
    SortedMap<String, Long> out = new TreeMap<>();
    for (Map.Entry<String, Gauge> e : store.gauges().entrySet()) {
      keep(out, e.getKey(), e.getValue().value());
    }
    return out;
  }

  SortedMap<String, Histogram.Snapshot> histograms(HistogramStore store) {
    SortedMap<String, Histogram.Snapshot> out = new TreeMap<>();
    for (Map.Entry<String, Histogram> e : store.histograms().entrySet()) {
      Histogram.Snapshot snapshot = e.getValue().snapshot();
      if (usedOnly && snapshot.count() == 0) {
        continue;
      }
      if (filter.isPresent() && !filter.get().matcher(e.getKey()).find()) {
        continue;
      }
      out.put(e.getKey(), snapshot);
    }
    return out;
  }

  private void keep(SortedMap<String, Long> out, String name, long value) {
    if (usedOnly && value == 0) {
      return;
    }
    if (filter.isPresent() && !filter.get().matcher(name).find()) {
      return;
    }
    out.put(name, value);
  }
}
