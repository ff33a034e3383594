package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's Datadog agent client: each batch of finished spans is one POST of {@code /v0.4/traces}
 * (MessagePack: an array of traces, each an array of spans) to the {@code collector_cluster} with
 * {@code Host} {@code collector_hostname}, through the cluster's pools and transport socket ({@link
 * CollectorExchange}), bounded by dd-trace-cpp's 2 s request timeout, never retried. Spans are
 * dd-trace-cpp's: {@code name} {@code envoy.proxy}, {@code resource} the Envoy operation name,
 * {@code service}, the low 64 trace-id bits as {@code trace_id} (the high ones as the {@code
 * _dd.p.tid} tag), {@code error} from Envoy's {@code error} tag, the other tags as {@code meta} and
 * the sampling priority as the {@code _sampling_priority_v1} metric.
 *
 * <p>Stats as Envoy's: {@code tracing.datadog.reports_sent} (200 OK), {@code reports_dropped} (any
 * other status), {@code reports_failed} (no answer) and {@code reports_skipped_no_cluster}.
 */
final class DatadogReporter implements BatchingSpanExporter.BatchSender {
  static final String PREFIX = "tracing.datadog.";
  static final String TRACES_PATH = "/v0.4/traces";
  static final String SPAN_NAME = "envoy.proxy";
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

  /** dd-trace-cpp's agent client flushes every 2 s; a full queue (1024 spans) flushes at once. */
  static final BatchingSpanExporter.Settings SETTINGS =
      new BatchingSpanExporter.Settings(1024, Duration.ofSeconds(2), 1024);

  private static final Logger log = LoggerFactory.getLogger(DatadogReporter.class);

  private final DatadogTracerConfig config;
  private final Function<String, ClusterHandle> clusters;
  private final EventLoop loop;
  private final Counter reportsSent;
  private final Counter reportsDropped;
  private final Counter reportsFailed;
  private final Counter reportsSkippedNoCluster;

  DatadogReporter(
      DatadogTracerConfig config,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      StatsStore stats) {
    this.config = config;
    this.clusters = clusters;
    this.loop = loop;
    this.reportsSent = stats.counter(PREFIX + "reports_sent");
    this.reportsDropped = stats.counter(PREFIX + "reports_dropped");
    this.reportsFailed = stats.counter(PREFIX + "reports_failed");
    this.reportsSkippedNoCluster = stats.counter(PREFIX + "reports_skipped_no_cluster");
  }

  @Override
  public void send(List<SpanData> batch) {
    if (clusters.apply(config.collectorCluster()) == null) {
      reportsSkippedNoCluster.inc();
      return;
    }
    Map<String, List<SpanData>> traces = new LinkedHashMap<>();
    for (SpanData span : batch) {
      traces.computeIfAbsent(span.traceId(), id -> new ArrayList<>()).add(span);
    }
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("content-type", "application/msgpack");
    headers.set("datadog-meta-lang", "cpp");
    headers.set("x-datadog-trace-count", Integer.toString(traces.size()));
    CollectorExchange.post(
            clusters,
            config.collectorCluster(),
            loop,
            false,
            config.collectorHostname(),
            TRACES_PATH,
            headers,
            encode(traces.values(), config.service()),
            REQUEST_TIMEOUT)
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                reportsFailed.inc();
                log.debug("Datadog report failed: {}", failure.toString());
              } else if (response.status() == 200) {
                reportsSent.inc();
              } else {
                reportsDropped.inc();
                log.debug("the Datadog agent answered {}", response.status());
              }
            });
  }

  /** The MessagePack body of {@code /v0.4/traces}. */
  static byte[] encode(java.util.Collection<List<SpanData>> traces, String service) {
    MsgPackWriter out = new MsgPackWriter();
    out.arrayHeader(traces.size());
    for (List<SpanData> trace : traces) {
      out.arrayHeader(trace.size());
      for (SpanData span : trace) {
        writeSpan(out, span, service);
      }
    }
    return out.toByteArray();
  }

  private static void writeSpan(MsgPackWriter out, SpanData span, String service) {
    Map<String, String> meta = new LinkedHashMap<>();
    boolean error = false;
    for (Map.Entry<String, String> tag : span.attributes().entrySet()) {
      if (tag.getKey().equals(Tags.ERROR)) {
        error = Tags.TRUE.equals(tag.getValue());
      } else {
        meta.put(tag.getKey(), tag.getValue());
      }
    }
    String high = span.traceId().substring(0, 16);
    if (!high.equals("0".repeat(16))) {
      meta.put("_dd.p.tid", high);
    }
    int priority = DatadogPropagation.priority(span.traceState());
    if (priority > 0) {
      meta.put("_dd.p.dm", "-0");
    }
    out.mapHeader(12);
    out.string("service").string(service);
    out.string("name").string(SPAN_NAME);
    out.string("resource").string(span.name());
    out.string("type").string("web");
    out.string("trace_id").unsigned(Long.parseUnsignedLong(span.traceId().substring(16), 16));
    out.string("span_id").unsigned(Long.parseUnsignedLong(span.spanId(), 16));
    out.string("parent_id")
        .unsigned(
            span.parentSpanId().isEmpty() ? 0 : Long.parseUnsignedLong(span.parentSpanId(), 16));
    out.string("start").integer(span.startEpochNanos());
    out.string("duration").integer(Math.max(0, span.endEpochNanos() - span.startEpochNanos()));
    out.string("error").integer(error ? 1 : 0);
    out.string("meta").mapHeader(meta.size());
    meta.forEach((k, v) -> out.string(k).string(v));
    out.string("metrics").mapHeader(1);
    out.string("_sampling_priority_v1").float64(priority);
  }

  @Override
  public void close() {}
}
