package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers finished spans and exports them over OTLP in batches, as Envoy's OpenTelemetry tracer
 * does: as soon as {@code min_flush_spans} (5) are waiting, and every {@code flush_interval} (5 s)
 * for whatever is left. Event loops only {@link #accept} into a bounded queue; when it is full the
 * span is dropped and counted, never waited for. Conversion and export run on the injected export
 * executor (one dedicated thread in production); the interval timer comes from the injected
 * scheduler, so tests flush by hand.
 *
 * <p>Stats: {@code tracing.opentelemetry.spans_sent}, {@code timer_flushed} and, for OTLP/HTTP,
 * {@code http_reports_sent}, {@code http_reports_success} and {@code http_reports_failed} as in
 * Envoy; {@code spans_dropped} and, for OTLP/gRPC, {@code grpc_reports_sent}, {@code
 * grpc_reports_success} and {@code grpc_reports_failed} are Attaché's (Envoy counts its gRPC
 * exports only in the gRPC client stats).
 */
public final class BatchingSpanExporter implements SpanSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BatchingSpanExporter.class);
  static final String PREFIX = "tracing.opentelemetry.";

  /** Batching knobs; Envoy's runtime defaults are {@link #DEFAULTS}. */
  public record Settings(int minFlushSpans, Duration flushInterval, int maxQueuedSpans) {
    public static final Settings DEFAULTS = new Settings(5, Duration.ofSeconds(5), 1024);

    public Settings {
      if (minFlushSpans < 1 || maxQueuedSpans < minFlushSpans || flushInterval.isNegative()) {
        throw new IllegalArgumentException("invalid batching settings");
      }
    }
  }

  private final String serviceName;
  private final OtlpTraceClient client;
  private final Scheduler scheduler;
  private final Executor exportExecutor;
  private final Settings settings;
  private final BlockingQueue<SpanData> queue;
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final Counter spansSent;
  private final Counter spansDropped;
  private final Counter timerFlushed;
  private final Counter reportsSent;
  private final Counter reportsSuccess;
  private final Counter reportsFailed;
  private final Runnable afterClose;
  private Scheduler.ScheduledTask timer = Scheduler.ScheduledTask.NONE;
  private volatile boolean closed;

  /**
   * The production exporter: OTLP/gRPC or OTLP/HTTP through the configured collector cluster
   * (exchanges on {@code loop}), exports on a dedicated daemon thread that {@link #close()} stops,
   * with Envoy's default batching.
   */
  public static BatchingSpanExporter forCollector(
      OtlpExporterConfig config,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      StatsStore stats,
      Scheduler scheduler,
      RandomSource random) {
    java.util.concurrent.ExecutorService thread =
        java.util.concurrent.Executors.newSingleThreadExecutor(
            runnable -> {
              Thread t = new Thread(runnable, "attache-otlp-exporter");
              t.setDaemon(true);
              return t;
            });
    return new BatchingSpanExporter(
        config.serviceName(),
        config.protocol() == OtlpExporterConfig.Protocol.GRPC
            ? new GrpcOtlpTraceClient(config, clusters, loop)
            : new HttpOtlpTraceClient(
                config, clusters, loop, scheduler, random, HttpOtlpTraceClient.RetryPolicy.OTEL),
        stats,
        scheduler,
        thread,
        Settings.DEFAULTS,
        thread::shutdown);
  }

  public BatchingSpanExporter(
      String serviceName,
      OtlpTraceClient client,
      StatsStore stats,
      Scheduler scheduler,
      Executor exportExecutor,
      Settings settings) {
    this(serviceName, client, stats, scheduler, exportExecutor, settings, () -> {});
  }

  private BatchingSpanExporter(
      String serviceName,
      OtlpTraceClient client,
      StatsStore stats,
      Scheduler scheduler,
      Executor exportExecutor,
      Settings settings,
      Runnable afterClose) {
    this.afterClose = afterClose;
    this.serviceName = serviceName;
    this.client = client;
    this.scheduler = scheduler;
    this.exportExecutor = exportExecutor;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.maxQueuedSpans());
    this.spansSent = stats.counter(PREFIX + "spans_sent");
    this.spansDropped = stats.counter(PREFIX + "spans_dropped");
    this.timerFlushed = stats.counter(PREFIX + "timer_flushed");
    String reports = PREFIX + client.reportsStatStem();
    this.reportsSent = stats.counter(reports + "_sent");
    this.reportsSuccess = stats.counter(reports + "_success");
    this.reportsFailed = stats.counter(reports + "_failed");
    armTimer();
  }

  /** Queues a span for export; drops (and counts) it when the queue is full. Never blocks. */
  @Override
  public void accept(SpanData span) {
    if (closed || !queue.offer(span)) {
      spansDropped.inc();
      return;
    }
    if (queue.size() >= settings.minFlushSpans()) {
      requestFlush();
    }
  }

  private void requestFlush() {
    if (flushQueued.compareAndSet(false, true)) {
      exportExecutor.execute(
          () -> {
            flushQueued.set(false);
            flush();
          });
    }
  }

  private synchronized void armTimer() {
    if (!closed) {
      timer = scheduler.schedule(settings.flushInterval(), this::onTimer);
    }
  }

  private void onTimer() {
    timerFlushed.inc();
    exportExecutor.execute(this::flush);
    armTimer();
  }

  /** Sends everything queued now as one export request. Runs on the export executor. */
  void flush() {
    List<SpanData> batch = new ArrayList<>(queue.size());
    queue.drainTo(batch);
    if (batch.isEmpty()) {
      return;
    }
    spansSent.add(batch.size());
    reportsSent.inc();
    OtlpTraceService.ExportRequest request =
        new OtlpTraceService.ExportRequest(List.of(OtlpSpans.toResourceSpans(serviceName, batch)));
    try {
      client
          .export(request)
          .whenComplete(
              (response, failure) -> {
                if (failure == null) {
                  reportsSuccess.inc();
                  if (response.rejectedSpans() > 0) {
                    log.debug(
                        "OTLP collector rejected {} spans: {}",
                        response.rejectedSpans(),
                        response.errorMessage());
                  }
                } else {
                  reportsFailed.inc();
                  log.debug("OTLP trace export failed: {}", failure.toString());
                }
              });
    } catch (RuntimeException e) {
      reportsFailed.inc();
      log.debug("OTLP trace export failed: {}", e.toString());
    }
  }

  /** Stops the timer, exports what is queued, and closes the client. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      timer.cancel();
    }
    exportExecutor.execute(
        () -> {
          flush();
          client.close();
        });
    afterClose.run();
  }
}
