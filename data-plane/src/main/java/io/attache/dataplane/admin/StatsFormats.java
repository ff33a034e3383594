package io.attache.dataplane.admin;

import io.attache.dataplane.admin.StatsParams.HistogramBuckets;
import io.attache.dataplane.json.JsonStrings;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.HistogramBins;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.stats.TagExtractedName;
import io.attache.dataplane.stats.TagExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Renders a {@link StatsStore} in the forms Envoy's admin serves: {@code name: value} text, {@code
 * {"stats":[...]}} JSON and the Prometheus exposition with Envoy's tag extraction, histograms
 * included in each of Envoy's {@code histogram_buckets} modes. Pure functions of one snapshot;
 * never mutates a stat.
 */
final class StatsFormats {
  private StatsFormats() {}

  /**
   * Envoy's {@code /stats} text: counters and gauges together sorted by name, then the histograms
   * sorted by name.
   */
  static String text(StatsStore store, StatsParams params) {
    SortedMap<String, Long> all = new TreeMap<>(params.counters(store));
    all.putAll(params.gauges(store));
    StringBuilder out = new StringBuilder();
    all.forEach((name, value) -> out.append(name).append(": ").append(value).append('\n'));
    params
        .histograms(store)
        .forEach(
            (name, h) -> {
              out.append(name).append(':');
              textHistogram(out, h, params.buckets());
              out.append('\n');
            });
    return out.toString();
  }

  /**
   * {@code format=html}: the text form in a page. Envoy's interactive stats page is a browser
   * application; this keeps the content and drops the application.
   */
  static String html(String text) {
    StringBuilder out =
        new StringBuilder(
            "<!DOCTYPE html>\n<html lang='en'>\n<head><title>Attaché stats</title></head>\n<body>\n<pre>\n");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        default -> out.append(c);
      }
    }
    return out.append("</pre>\n</body>\n</html>\n").toString();
  }

  private static void textHistogram(
      StringBuilder out, Histogram.Statistics h, HistogramBuckets mode) {
    if (h.cumulative().sampleCount() == 0) {
      out.append(" No recorded values");
      return;
    }
    switch (mode) {
      case UNSET, SUMMARY -> {
        out.append(' ');
        quantileSummary(out, h);
      }
      case CUMULATIVE, DISJOINT -> {
        long[] interval = h.bucketCounts(h.interval());
        long[] cumulative = h.bucketCounts(h.cumulative());
        if (mode == HistogramBuckets.DISJOINT) {
          interval = disjoint(interval);
          cumulative = disjoint(cumulative);
        }
        for (int i = 0; i < h.bucketBounds().size(); i++) {
          out.append(" B")
              .append(EnvoyNumbers.general(h.bucketBounds().get(i)))
              .append('(')
              .append(interval[i])
              .append(',')
              .append(cumulative[i])
              .append(')');
        }
      }
      case DETAILED -> {
        out.append("\n  totals=");
        detailedBins(out, h.cumulative());
        out.append("\n  intervals=");
        detailedBins(out, h.interval());
        out.append("\n  summary=");
        quantileSummary(out, h);
      }
    }
  }

  /** Envoy's {@code P0(interval,cumulative) P25(...) ...}, fmt's {@code {}} for each value. */
  private static void quantileSummary(StringBuilder out, Histogram.Statistics h) {
    double[] interval = h.interval().quantiles(HistogramBins.SUPPORTED_QUANTILES);
    double[] cumulative = h.cumulative().quantiles(HistogramBins.SUPPORTED_QUANTILES);
    for (int i = 0; i < interval.length; i++) {
      if (i > 0) {
        out.append(' ');
      }
      out.append('P')
          .append(EnvoyNumbers.general(100 * HistogramBins.SUPPORTED_QUANTILES[i]))
          .append('(')
          .append(EnvoyNumbers.shortest(interval[i]))
          .append(',')
          .append(EnvoyNumbers.shortest(cumulative[i]))
          .append(')');
    }
  }

  private static void detailedBins(StringBuilder out, HistogramBins bins) {
    boolean first = true;
    for (HistogramBins.Bin bin : bins.bins()) {
      if (!first) {
        out.append(", ");
      }
      first = false;
      out.append(EnvoyNumbers.shortest(bin.lowerBound()))
          .append(',')
          .append(EnvoyNumbers.shortest(bin.width()))
          .append(':')
          .append(bin.count());
    }
  }

  private static long[] disjoint(long[] cumulative) {
    long[] out = new long[cumulative.length];
    long previous = 0;
    for (int i = 0; i < cumulative.length; i++) {
      out[i] = cumulative[i] - previous;
      previous = cumulative[i];
    }
    return out;
  }

  /**
   * Envoy's {@code /stats?format=json}: {@code {"stats":[{"name":..,"value":..},...]}} with one
   * more element, {@code {"histograms":...}}, when any histogram is shown, in the shape of the
   * {@code histogram_buckets} mode.
   */
  static String json(StatsStore store, StatsParams params) {
    SortedMap<String, Long> all = new TreeMap<>(params.counters(store));
    all.putAll(params.gauges(store));
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
    SortedMap<String, Histogram.Statistics> histograms = params.histograms(store);
    if (!histograms.isEmpty()) {
      if (!first) {
        out.append(',');
      }
      out.append("{\"histograms\":");
      switch (params.buckets()) {
        case UNSET, SUMMARY -> jsonSummaries(out, histograms);
        case CUMULATIVE, DISJOINT ->
            jsonBuckets(out, histograms, params.buckets() == HistogramBuckets.DISJOINT);
        case DETAILED -> jsonDetails(out, histograms);
      }
      out.append('}');
    }
    return out.append("]}").toString();
  }

  private static void jsonSummaries(
      StringBuilder out, SortedMap<String, Histogram.Statistics> histograms) {
    out.append("{\"supported_quantiles\":");
    supportedPercentiles(out);
    out.append(",\"computed_quantiles\":[");
    boolean first = true;
    for (Histogram.Statistics h : histograms.values()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"name\":");
      JsonStrings.appendString(out, h.name());
      out.append(",\"values\":");
      jsonQuantiles(out, h);
      out.append('}');
    }
    out.append("]}");
  }

  private static void supportedPercentiles(StringBuilder out) {
    out.append('[');
    for (int i = 0; i < HistogramBins.SUPPORTED_QUANTILES.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(EnvoyNumbers.json(100 * HistogramBins.SUPPORTED_QUANTILES[i]));
    }
    out.append(']');
  }

  private static void jsonQuantiles(StringBuilder out, Histogram.Statistics h) {
    double[] interval = h.interval().quantiles(HistogramBins.SUPPORTED_QUANTILES);
    double[] cumulative = h.cumulative().quantiles(HistogramBins.SUPPORTED_QUANTILES);
    out.append('[');
    for (int i = 0; i < interval.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append("{\"cumulative\":")
          .append(jsonNumber(cumulative[i]))
          .append(",\"interval\":")
          .append(jsonNumber(interval[i]))
          .append('}');
    }
    out.append(']');
  }

  private static void jsonBuckets(
      StringBuilder out, SortedMap<String, Histogram.Statistics> histograms, boolean disjoint) {
    out.append('[');
    boolean first = true;
    for (Histogram.Statistics h : histograms.values()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      long[] interval = h.bucketCounts(h.interval());
      long[] cumulative = h.bucketCounts(h.cumulative());
      if (disjoint) {
        interval = disjoint(interval);
        cumulative = disjoint(cumulative);
      }
      out.append("{\"name\":");
      JsonStrings.appendString(out, h.name());
      out.append(",\"buckets\":[");
      for (int i = 0; i < h.bucketBounds().size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append("{\"upper_bound\":")
            .append(EnvoyNumbers.json(h.bucketBounds().get(i)))
            .append(",\"interval\":")
            .append(interval[i])
            .append(",\"cumulative\":")
            .append(cumulative[i])
            .append('}');
      }
      out.append("]}");
    }
    out.append(']');
  }

  private static void jsonDetails(
      StringBuilder out, SortedMap<String, Histogram.Statistics> histograms) {
    out.append("{\"supported_percentiles\":");
    supportedPercentiles(out);
    out.append(",\"details\":[");
    boolean first = true;
    for (Histogram.Statistics h : histograms.values()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"name\":");
      JsonStrings.appendString(out, h.name());
      out.append(",\"totals\":");
      jsonBins(out, h.cumulative());
      out.append(",\"intervals\":");
      jsonBins(out, h.interval());
      out.append(",\"percentiles\":");
      jsonQuantiles(out, h);
      out.append('}');
    }
    out.append("]}");
  }

  private static void jsonBins(StringBuilder out, HistogramBins bins) {
    out.append('[');
    boolean first = true;
    for (HistogramBins.Bin bin : bins.bins()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      out.append("{\"lower_bound\":")
          .append(EnvoyNumbers.json(bin.lowerBound()))
          .append(",\"width\":")
          .append(EnvoyNumbers.json(bin.width()))
          .append(",\"count\":")
          .append(bin.count())
          .append('}');
    }
    out.append(']');
  }

  private static String jsonNumber(double value) {
    return Double.isNaN(value) ? "null" : EnvoyNumbers.json(value);
  }

  /**
   * Envoy's {@code /stats/prometheus}: one family per tag-extracted name ({@code envoy_} prefix,
   * every character outside {@code [a-zA-Z0-9_]} turned into {@code _}), a {@code # TYPE} line, one
   * sample per stat sorted by full name (no blank lines, as in Envoy 1.40); counters, then gauges,
   * then histograms ({@code _bucket}/{@code _sum}/{@code _count}, or with {@code
   * histogram_buckets=summary} a summary of the last interval).
   */
  static String prometheus(StatsStore store, StatsParams params, TagExtractor extractor) {
    StringBuilder out = new StringBuilder();
    family(out, params.counters(store), "counter", extractor);
    family(out, params.gauges(store), "gauge", extractor);
    histogramFamilies(
        out, params.histograms(store), extractor, params.buckets() == HistogramBuckets.SUMMARY);
    return out.toString();
  }

  /** Whether Envoy's Prometheus output can render histograms in this mode. */
  static boolean prometheusSupports(HistogramBuckets mode) {
    return mode == HistogramBuckets.UNSET
        || mode == HistogramBuckets.CUMULATIVE
        || mode == HistogramBuckets.SUMMARY;
  }

  private static void histogramFamilies(
      StringBuilder out,
      SortedMap<String, Histogram.Statistics> stats,
      TagExtractor extractor,
      boolean summary) {
    SortedMap<String, List<Map.Entry<TagExtractedName, Histogram.Statistics>>> families =
        new TreeMap<>();
    for (Map.Entry<String, Histogram.Statistics> e : stats.entrySet()) {
      TagExtractedName extracted = extractor.extract(e.getKey());
      families
          .computeIfAbsent(extracted.extractedName(), k -> new ArrayList<>())
          .add(Map.entry(extracted, e.getValue()));
    }
    for (Map.Entry<String, List<Map.Entry<TagExtractedName, Histogram.Statistics>>> family :
        families.entrySet()) {
      String metric = "envoy_" + sanitizeName(family.getKey());
      out.append("# TYPE ").append(metric).append(summary ? " summary\n" : " histogram\n");
      for (Map.Entry<TagExtractedName, Histogram.Statistics> sample : family.getValue()) {
        String tags = tags(sample.getKey());
        if (summary) {
          summarySamples(out, metric, tags, sample.getValue());
        } else {
          histogramSamples(out, metric, tags, sample.getValue());
        }
      }
    }
  }

  /** Bucket lines per bound plus {@code le="+Inf"}, then {@code _sum} and {@code _count}. */
  private static void histogramSamples(
      StringBuilder out, String metric, String tags, Histogram.Statistics h) {
    String bucketTags = tags.isEmpty() ? "" : tags + ",";
    long[] counts = h.bucketCounts(h.cumulative());
    for (int i = 0; i < counts.length; i++) {
      out.append(metric)
          .append("_bucket{")
          .append(bucketTags)
          .append("le=\"")
          .append(EnvoyNumbers.prometheus(h.bucketBounds().get(i)))
          .append("\"} ")
          .append(counts[i])
          .append('\n');
    }
    long count = h.cumulative().sampleCount();
    out.append(metric)
        .append("_bucket{")
        .append(bucketTags)
        .append("le=\"+Inf\"} ")
        .append(count)
        .append('\n');
    out.append(metric)
        .append("_sum{")
        .append(tags)
        .append("} ")
        .append(EnvoyNumbers.prometheus(h.cumulative().sampleSum()))
        .append('\n');
    out.append(metric).append("_count{").append(tags).append("} ").append(count).append('\n');
  }

  /** Envoy's summary: the last interval's quantiles, sum and count. */
  private static void summarySamples(
      StringBuilder out, String metric, String tags, Histogram.Statistics h) {
    String quantileTags = tags.isEmpty() ? "" : tags + ",";
    double[] values = h.interval().quantiles(HistogramBins.SUPPORTED_QUANTILES);
    for (int i = 0; i < values.length; i++) {
      out.append(metric)
          .append('{')
          .append(quantileTags)
          .append("quantile=\"")
          .append(EnvoyNumbers.shortest(HistogramBins.SUPPORTED_QUANTILES[i]))
          .append("\"} ")
          .append(EnvoyNumbers.prometheus(values[i]))
          .append('\n');
    }
    out.append(metric)
        .append("_sum{")
        .append(tags)
        .append("} ")
        .append(EnvoyNumbers.prometheus(h.interval().sampleSum()))
        .append('\n');
    out.append(metric)
        .append("_count{")
        .append(tags)
        .append("} ")
        .append(h.interval().sampleCount())
        .append('\n');
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
