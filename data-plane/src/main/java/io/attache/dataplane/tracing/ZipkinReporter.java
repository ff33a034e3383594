package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's Zipkin reporter: each batch is one POST of {@code collector_endpoint} with {@code
 * :authority} {@code collector_hostname} (default: the cluster name) through the collector
 * cluster's own pools and transport socket (by {@link CollectorExchange}), bounded by {@code
 * tracing.zipkin.request_timeout} (5000 ms). Never retries (Envoy does not) and never blocks.
 *
 * <p>Stats as Envoy's: {@code tracing.zipkin.reports_sent} (the collector answered 202 Accepted),
 * {@code reports_dropped} (any other answer), {@code reports_failed} (no answer: connect failure,
 * reset, timeout) and {@code reports_skipped_no_cluster}.
 */
final class ZipkinReporter implements BatchingSpanExporter.BatchSender {
  static final String PREFIX = "tracing.zipkin.";
  static final String MIN_FLUSH_SPANS = "tracing.zipkin.min_flush_spans";
  static final String FLUSH_INTERVAL_MS = "tracing.zipkin.flush_interval_ms";
  static final String REQUEST_TIMEOUT_MS = "tracing.zipkin.request_timeout";
  private static final Logger log = LoggerFactory.getLogger(ZipkinReporter.class);
  private static final int ACCEPTED = 202;

  private final ZipkinTracerConfig config;
  private final ZipkinSpans.LocalEndpoint localEndpoint;
  private final Function<String, ClusterHandle> clusters;
  private final EventLoop loop;
  private final Runtime runtime;
  private final HttpHeaders headers = new DefaultHttpHeaders();
  private final Counter reportsSent;
  private final Counter reportsDropped;
  private final Counter reportsFailed;
  private final Counter reportsSkippedNoCluster;

  ZipkinReporter(
      ZipkinTracerConfig config,
      ZipkinSpans.LocalEndpoint localEndpoint,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      StatsStore stats,
      Runtime runtime) {
    this.config = config;
    this.localEndpoint = localEndpoint;
    this.clusters = clusters;
    this.loop = loop;
    this.runtime = runtime;
    headers.set("content-type", config.encoding().contentType());
    this.reportsSent = stats.counter(PREFIX + "reports_sent");
    this.reportsDropped = stats.counter(PREFIX + "reports_dropped");
    this.reportsFailed = stats.counter(PREFIX + "reports_failed");
    this.reportsSkippedNoCluster = stats.counter(PREFIX + "reports_skipped_no_cluster");
  }

  /**
   * The batching Envoy's runtime asks for now ({@code min_flush_spans}, {@code flush_interval_ms}).
   */
  static BatchingSpanExporter.Settings settings(RuntimeSnapshot snapshot) {
    long minFlush = snapshot.integer(MIN_FLUSH_SPANS, 5);
    long intervalMs = snapshot.integer(FLUSH_INTERVAL_MS, 5000);
    int maxQueued = BatchingSpanExporter.Settings.DEFAULTS.maxQueuedSpans();
    return new BatchingSpanExporter.Settings(
        (int) Math.max(1, Math.min(minFlush, maxQueued)),
        Duration.ofMillis(Math.max(1, intervalMs)),
        maxQueued);
  }

  @Override
  public void send(List<SpanData> batch) {
    if (clusters.apply(config.collectorCluster()) == null) {
      reportsSkippedNoCluster.inc();
      log.debug("Zipkin collector cluster {} does not exist", config.collectorCluster());
      return;
    }
    byte[] body =
        ZipkinSpans.encode(batch, config.encoding(), localEndpoint, config.sharedSpanContext());
    Duration timeout =
        Duration.ofMillis(Math.max(1, runtime.snapshot().integer(REQUEST_TIMEOUT_MS, 5000)));
    CollectorExchange.post(
            clusters,
            config.collectorCluster(),
            loop,
            false,
            config.collectorHostname(),
            config.collectorEndpoint(),
            headers,
            body,
            timeout)
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                reportsFailed.inc();
                log.debug("Zipkin report failed: {}", failure.toString());
              } else if (response.status() == ACCEPTED) {
                reportsSent.inc();
              } else {
                reportsDropped.inc();
                log.debug("Zipkin collector answered {}", response.status());
              }
            });
  }

  @Override
  public void close() {}
}
