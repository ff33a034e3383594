package io.attache.dataplane.admin;

import io.attache.dataplane.json.JsonStrings;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.HistogramStore;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.stats.TagExtractedName;
import io.attache.dataplane.stats.TagExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Renders a {@link StatsStore} in the three forms Envoy's admin serves: {@code name: value} text,
 * {@code {"stats":[...]}} JSON and the Prometheus exposition with Envoy's tag extraction. Pure
 * functions of one snapshot; never mutates a stat.
 */
final class StatsFormats {
  private StatsFormats() {}

  /** Envoy's {@code /stats} text: counters and gauges together, sorted by name. */
  static String text(StatsStore store, StatsQuery query) {
    SortedMap<String, Long> all = new TreeMap<>(query.counters(store));
    all.putAll(query.gauges(store));
    StringBuilder out = new StringBuilder();
    all.forEach((name, value) -> out.append(name).append(": ").append(value).append('\n'));
    return out.toString();
  }

  /** Envoy's {@code /stats?format=json}: {@code {"stats":[{"name":..,"value":..}]}}. */
  static String json(StatsStore store, StatsQuery query) {
    SortedMap<String, Long> all = new TreeMap<>(query.counters(store));
    all.putAll(query.gauges(store));
    StringBuilder out = new StringBuilder("{\"stats\":[");
    boolean first = true;
    for (Map.Entry<String, Long> e : all.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"name\":");
      JsonStrings.appendString(out, e.getKey());
      out.append(",\"value\":").append(e.getValue()).append('}');
    }
    return out.append("]}").toString();
  }

  /**
   * Envoy's {@code /stats/prometheus}: one family per tag-extracted name ({@code envoy_} prefix,
   * every character outside {@code [a-zA-Z0-9_]} turned into {@code _}), a {@code # TYPE} line, one
   * sample per stat sorted by full name, a blank line after each family; counters first.
   */
  static String prometheus(
      StatsStore store, HistogramStore histograms, StatsQuery query, TagExtractor extractor) {
    StringBuilder out = new StringBuilder();
    family(out, query.counters(store), "counter", extractor);
    family(out, query.gauges(store), "gauge", extractor);
    histogramFamilies(out, query.histograms(histograms), extractor);
    return out.toString();
  }

  /**
   * Envoy's histogram samples: {@code _bucket} lines per bound plus {@code le="+Inf"}, then {@code
   * _sum} and {@code _count}, the bucket label after the extracted tags.
   */
  private static void histogramFamilies(
      StringBuilder out, SortedMap<String, Histogram.Snapshot> stats, TagExtractor extractor) {
    SortedMap<String, List<Map.Entry<TagExtractedName, Histogram.Snapshot>>> families =
        new TreeMap<>();
    for (Map.Entry<String, Histogram.Snapshot> e : stats.entrySet()) {
      TagExtractedName extracted = extractor.extract(e.getKey());
      families
          .computeIfAbsent(extracted.extractedName(), k -> new ArrayList<>())
          .add(Map.entry(extracted, e.getValue()));
    }
    for (Map.Entry<String, List<Map.Entry<TagExtractedName, Histogram.Snapshot>>> family :
        families.entrySet()) {
      String metric = "envoy_" + sanitizeName(family.getKey());
      out.append("# TYPE ").append(metric).append(" histogram\n");
      for (Map.Entry<TagExtractedName, Histogram.Snapshot> sample : family.getValue()) {
        String tags = tags(sample.getKey());
        String bucketTags = tags.isEmpty() ? "" : tags + ",";
        Histogram.Snapshot snapshot = sample.getValue();
        for (int i = 0; i < snapshot.bounds().size(); i++) {
          out.append(metric)
              .append("_bucket{")
              .append(bucketTags)
              .append("le=\"")
              .append(number(snapshot.bounds().get(i)))
              .append("\"} ")
              .append(snapshot.cumulativeCounts()[i])
              .append('\n');
        }
        out.append(metric)
            .append("_bucket{")
            .append(bucketTags)
            .append("le=\"+Inf\"} ")
            .append(snapshot.count())
            .append('\n');
        out.append(metric)
            .append("_sum{")
            .append(tags)
            .append("} ")
            .append(snapshot.sum())
            .append('\n');
        out.append(metric)
            .append("_count{")
            .append(tags)
            .append("} ")
            .append(snapshot.count())
            .append('\n');
      }
      out.append('\n');
    }
  }

  /** A bucket bound as fmt's {@code {:.32g}} prints it: {@code 0.5}, {@code 3600000}. */
  private static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  private static String tags(TagExtractedName name) {
    StringBuilder out = new StringBuilder();
    for (TagExtractedName.Tag tag : name.tags()) {
      if (!out.isEmpty()) {
        out.append(',');
      }
      out.append(sanitizeName(tag.name())).append("=\"");
      appendLabelValue(out, tag.value());
      out.append('"');
    }
    return out.toString();
  }

  private static void family(
      StringBuilder out, SortedMap<String, Long> stats, String type, TagExtractor extractor) {
    SortedMap<String, List<Sample>> families = new TreeMap<>();
    for (Map.Entry<String, Long> e : stats.entrySet()) {
      TagExtractedName extracted = extractor.extract(e.getKey());
      families
          .computeIfAbsent(extracted.extractedName(), k -> new ArrayList<>())
          .add(new Sample(extracted, e.getValue()));
    }
    for (Map.Entry<String, List<Sample>> family : families.entrySet()) {
      String metric = "envoy_" + sanitizeName(family.getKey());
      out.append("# TYPE ").append(metric).append(' ').append(type).append('\n');
      // Samples are already in full-name order: the source map was sorted.
      for (Sample sample : family.getValue()) {
        out.append(metric)
            .append('{')
            .append(tags(sample.name()))
            .append("} ")
            .append(sample.value())
            .append('\n');
      }
      out.append('\n');
    }
  }

  static String sanitizeName(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      out.append(ok ? c : '_');
    }
    return out.toString();
  }

  /** The exposition format's three escapes, so a cluster name with a quote cannot break a line. */
  private static void appendLabelValue(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
  }

  private record Sample(TagExtractedName name, long value) {}
}
