package io.attache.dataplane.admin;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The query parameters of {@code /stats} and {@code /stats/prometheus} as Envoy reads them ({@code
 * filter}, {@code invert_filter}, {@code usedonly}, {@code type}, {@code histogram_buckets}), and
 * their application to one snapshot of the store. A parameter Envoy would refuse is refused here
 * with Envoy's message.
 */
record StatsParams(
    Optional<Pattern> filter,
    boolean invertFilter,
    boolean usedOnly,
    StatType type,
    HistogramBuckets buckets) {

  /** Envoy's {@code type=} values. */
  enum StatType {
    ALL,
    COUNTERS,
    GAUGES,
    HISTOGRAMS,
    TEXT_READOUTS;

    boolean counters() {
      return this == ALL || this == COUNTERS;
    }

    boolean gauges() {
      return this == ALL || this == GAUGES;
    }

    boolean histograms() {
      return this == ALL || this == HISTOGRAMS;
    }
  }

  /** Envoy's {@code histogram_buckets=} values; UNSET renders each format's default. */
  enum HistogramBuckets {
    UNSET,
    SUMMARY,
    CUMULATIVE,
    DISJOINT,
    DETAILED
  }

  /** Parsed parameters, or the 400 Envoy answers for them. */
  record Parsed(Optional<StatsParams> params, Optional<AdminResponse> error) {
    static Parsed ok(StatsParams params) {
      return new Parsed(Optional.of(params), Optional.empty());
    }

    static Parsed refused(String message) {
      return new Parsed(Optional.empty(), Optional.of(AdminResponse.text(400, message)));
    }
  }

  static Parsed parse(Map<String, List<String>> query) {
    Optional<Pattern> filter = Optional.empty();
    String regex = first(query, "filter");
    if (!regex.isEmpty()) {
      try {
        filter = Optional.of(Pattern.compile(regex));
      } catch (PatternSyntaxException e) {
        return Parsed.refused("Invalid regex: " + e.getDescription() + ": " + regex + "\n");
      }
    }
    StatType type = StatType.ALL;
    String typeParam = first(query, "type");
    if (!typeParam.isEmpty()) {
      switch (typeParam) {
        case "All" -> type = StatType.ALL;
        case "Counters" -> type = StatType.COUNTERS;
        case "Gauges" -> type = StatType.GAUGES;
        case "Histograms" -> type = StatType.HISTOGRAMS;
        case "TextReadouts" -> type = StatType.TEXT_READOUTS;
        default -> {
          return Parsed.refused("invalid &type= param\n");
        }
      }
    }
    HistogramBuckets buckets;
    String bucketParam = first(query, "histogram_buckets");
    switch (bucketParam.toLowerCase(Locale.ROOT)) {
      case "" -> buckets = HistogramBuckets.UNSET;
      case "summary" -> buckets = HistogramBuckets.SUMMARY;
      case "cumulative" -> buckets = HistogramBuckets.CUMULATIVE;
      case "disjoint" -> buckets = HistogramBuckets.DISJOINT;
      case "detailed" -> buckets = HistogramBuckets.DETAILED;
      default -> {
        return Parsed.refused(
            "usage: /stats?histogram_buckets=(cumulative|disjoint|detailed|summary)\n");
      }
    }
    return Parsed.ok(
        new StatsParams(
            filter,
            query.containsKey("invert_filter"),
            query.containsKey("usedonly"),
            type,
            buckets));
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.getOrDefault(name, List.of());
    return values.isEmpty() ? "" : values.get(0);
  }

  SortedMap<String, Long> counters(StatsStore store) {
    SortedMap<String, Long> out = new TreeMap<>();
    if (type.counters()) {
      for (Map.Entry<String, Counter> e : store.counters().entrySet()) {
        if (keeps(e.getKey(), e.getValue().used())) {
          out.put(e.getKey(), e.getValue().value());
        }
      }
    }
    return out;
  }

  /** Gauges carry no "used" bit here: {@code usedonly} keeps those that are not zero. */
  SortedMap<String, Long> gauges(StatsStore store) {
    SortedMap<String, Long> out = new TreeMap<>();
    if (type.gauges()) {
      for (Map.Entry<String, Gauge> e : store.gauges().entrySet()) {
        long value = e.getValue().value();
        if (keeps(e.getKey(), value != 0)) {
          out.put(e.getKey(), value);
        }
      }
    }
    return out;
  }

  /** Each kept histogram with whether it was ever used ("No recorded values" when not). */
  SortedMap<String, Histogram.Statistics> histograms(StatsStore store) {
    SortedMap<String, Histogram.Statistics> out = new TreeMap<>();
    if (type.histograms()) {
      for (Map.Entry<String, Histogram> e : store.histograms().entrySet()) {
        if (keeps(e.getKey(), e.getValue().used())) {
          out.put(e.getKey(), e.getValue().statistics());
        }
      }
    }
    return out;
  }

  private boolean keeps(String name, boolean used) {
    if (usedOnly && !used) {
      return false;
    }
    return filter.isEmpty() || filter.get().matcher(name).find() != invertFilter;
  }
}
