package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.runtime.Runtime;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Buffers finished spans and hands them to a {@link BatchSender} in batches, as Envoy's
 * OpenTelemetry and Zipkin tracers do: a batch of {@code min_flush_spans} (5) as soon as that many
 * are waiting, and every flush interval (5 s) whatever is left. Event loops only {@link #accept}
 * into a bounded queue; when it is full the span is dropped and counted, never waited for.
 * Conversion and sending run on the injected export executor (one dedicated thread in production);
 * the interval timer comes from the injected scheduler, so tests flush by hand. The settings are
 * read when they apply (Envoy reads its runtime keys then), so a runtime override takes effect on
 * the next span.
 *
 * <p>Stats, under {@code tracing.opentelemetry.} or {@code tracing.zipkin.}: {@code spans_sent},
 * {@code timer_flushed} as in Envoy, {@code spans_dropped} (Attaché's), and the sender's report
 * counters.
 *
 * <p>OpenTelemetry: {@code http_reports_sent}, {@code http_reports_success} and {@code
 * http_reports_failed} for OTLP/HTTP as in Envoy; for OTLP/gRPC {@code grpc_reports_sent}, {@code
 * grpc_reports_success} and {@code grpc_reports_failed} are Attaché's (Envoy counts its gRPC
 * exports only in the gRPC client stats).
 */
public final class BatchingSpanExporter implements SpanSink, TraceReporter {
  static final String PREFIX = "tracing.opentelemetry.";

  /** Sends one batch; runs on the export executor and must not block on the network. */
  public interface BatchSender extends AutoCloseable {
    void send(List<SpanData> batch);

    @Override
    void close();
  }

  /** Batching knobs; Envoy's runtime defaults are {@link #DEFAULTS}. */
  public record Settings(int minFlushSpans, Duration flushInterval, int maxQueuedSpans) {
    public static final Settings DEFAULTS = new Settings(5, Duration.ofSeconds(5), 1024);

    public Settings {
      if (minFlushSpans < 1 || maxQueuedSpans < minFlushSpans || flushInterval.isNegative()) {
        throw new IllegalArgumentException("invalid batching settings");
      }
    }
  }

  private final BatchSender sender;
  private final Scheduler scheduler;
  private final Executor exportExecutor;
  private final Supplier<Settings> settings;
  private final BlockingQueue<SpanData> queue;
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final Counter spansSent;
  private final Counter spansDropped;
  private final Counter timerFlushed;
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
    ExecutorService thread = exportThread("attache-otlp-exporter");
    return new BatchingSpanExporter(
        PREFIX,
        new OtlpBatchSender(
            config.serviceName(),
            config.protocol() == OtlpExporterConfig.Protocol.GRPC
                ? new GrpcOtlpTraceClient(config, clusters, loop)
                : new HttpOtlpTraceClient(
                    config,
                    clusters,
                    loop,
                    scheduler,
                    random,
                    HttpOtlpTraceClient.RetryPolicy.OTEL),
            stats),
        stats,
        scheduler,
        thread,
        () -> Settings.DEFAULTS,
        Settings.DEFAULTS.maxQueuedSpans(),
        thread::shutdown);
  }

  /**
   * The Zipkin reporter: JSON v2 or proto3 reports POSTed to the collector cluster (exchanges on
   * {@code loop}) from a dedicated daemon thread that {@link #close()} stops; {@code
   * tracing.zipkin.min_flush_spans} (5) and {@code tracing.zipkin.flush_interval_ms} (5000) read
   * from {@code runtime} when they apply.
   *
   * @param serviceName the spans' {@code localEndpoint.serviceName}: Envoy's {@code node.cluster}
   */
  public static BatchingSpanExporter forZipkin(
      ZipkinTracerConfig config,
      String serviceName,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      StatsStore stats,
      Scheduler scheduler,
      Runtime runtime) {
    ExecutorService thread = exportThread("attache-zipkin-reporter");
    return new BatchingSpanExporter(
        ZipkinReporter.PREFIX,
        new ZipkinReporter(
            config, ZipkinSpans.LocalEndpoint.detect(serviceName), clusters, loop, stats, runtime),
        stats,
        scheduler,
        thread,
        () -> ZipkinReporter.settings(runtime.snapshot()),
        Settings.DEFAULTS.maxQueuedSpans(),
        thread::shutdown);
  }

  /**
   * The Datadog agent client: MessagePack {@code /v0.4/traces} reports POSTed to the collector
   * cluster (exchanges on {@code loop}) from a dedicated daemon thread that {@link #close()} stops,
   * flushed every 2 s as dd-trace-cpp's agent client does (and when 1024 spans wait).
   */
  public static BatchingSpanExporter forDatadog(
      DatadogTracerConfig config,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      StatsStore stats,
      Scheduler scheduler) {
    ExecutorService thread = exportThread("attache-datadog-reporter");
    Settings settings = DatadogReporter.SETTINGS;
    return new BatchingSpanExporter(
        DatadogReporter.PREFIX,
        new DatadogReporter(config, clusters, loop, stats),
        stats,
        scheduler,
        thread,
        () -> settings,
        settings.maxQueuedSpans(),
        thread::shutdown);
  }

  private static ExecutorService exportThread(String name) {
    return Executors.newSingleThreadExecutor(
        runnable -> {
          Thread t = new Thread(runnable, name);
          t.setDaemon(true);
          return t;
        });
  }

  public BatchingSpanExporter(
      String serviceName,
      OtlpTraceClient client,
      StatsStore stats,
      Scheduler scheduler,
      Executor exportExecutor,
      Settings settings) {
    this(
        PREFIX,
        new OtlpBatchSender(serviceName, client, stats),
        stats,
        scheduler,
        exportExecutor,
        () -> settings,
        settings.maxQueuedSpans(),
        () -> {});
  }

  /**
   * @param prefix the stats prefix, e.g. {@code tracing.zipkin.}
   * @param settings read whenever a span arrives and whenever the timer is armed
   */
  public BatchingSpanExporter(
      String prefix,
      BatchSender sender,
      StatsStore stats,
      Scheduler scheduler,
      Executor exportExecutor,
      Supplier<Settings> settings,
      int maxQueuedSpans,
      Runnable afterClose) {
    this.afterClose = afterClose;
    this.sender = sender;
    this.scheduler = scheduler;
    this.exportExecutor = exportExecutor;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(maxQueuedSpans);
    this.spansSent = stats.counter(prefix + "spans_sent");
    this.spansDropped = stats.counter(prefix + "spans_dropped");
    this.timerFlushed = stats.counter(prefix + "timer_flushed");
    armTimer();
  }

  /** Queues a span for export; drops (and counts) it when the queue is full. Never blocks. */
  @Override
  public void accept(SpanData span) {
    if (closed || !queue.offer(span)) {
      spansDropped.inc();
      return;
    }
    if (queue.size() >= settings.get().minFlushSpans()) {
      requestFlush();
    }
  }

  private void requestFlush() {
    if (flushQueued.compareAndSet(false, true)) {
      exportExecutor.execute(
          () -> {
            flushQueued.set(false);
            flushFullBatches();
          });
    }
  }

  /**
   * Sends what is queued in batches of {@code min_flush_spans}, leaving fewer for later: Envoy
   * flushes the moment its buffer reaches that size, so each of its reports carries exactly that
   * many spans, however many finished before this thread came round.
   */
  void flushFullBatches() {
    int size = settings.get().minFlushSpans();
    while (queue.size() >= size) {
      List<SpanData> batch = new ArrayList<>(size);
      queue.drainTo(batch, size);
      if (batch.isEmpty()) {
        return;
      }
      spansSent.add(batch.size());
      sender.send(batch);
    }
  }

  private synchronized void armTimer() {
    if (!closed) {
      timer = scheduler.schedule(settings.get().flushInterval(), this::onTimer);
    }
  }

  private void onTimer() {
    timerFlushed.inc();
    exportExecutor.execute(this::flush);
    armTimer();
  }

  /** Sends everything queued now as one batch. Runs on the export executor. */
  void flush() {
    List<SpanData> batch = new ArrayList<>(queue.size());
    queue.drainTo(batch);
    if (batch.isEmpty()) {
      return;
    }
    spansSent.add(batch.size());
    sender.send(batch);
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
          sender.close();
        });
    afterClose.run();
  }
}
