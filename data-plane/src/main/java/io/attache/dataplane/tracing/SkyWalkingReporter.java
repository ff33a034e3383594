package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's SkyWalking segment reporter: finished segments go to the OAP collector's {@code
 * skywalking.v3.TraceSegmentReportService/collect} (client streaming) through the collector
 * cluster's own pools and transport socket ({@link CollectorExchange}), with {@code
 * client_config.backend_token} as the {@code authentication} metadata.
 *
 * <p>Where Envoy keeps one long-lived stream and writes each segment to it, Attaché sends each
 * batch as one {@code collect} stream (every segment queued when the previous call ended, as one
 * gRPC message each, then half-close): one call in flight at a time, so segments that finish while
 * a call runs wait in the cache and go in the next one. A failed call (no answer, reset, a non-OK
 * {@code grpc-status}) closes the "stream": segments are then cached — at most {@code
 * max_cache_size}, the oldest dropped — until a new call is tried after Envoy's jittered
 * exponential back-off (500 ms doubling to 30 s, on the injected scheduler), which flushes the
 * cache.
 *
 * <p>Stats as Envoy's: {@code tracing.skywalking.segments_sent} (each segment written to a call),
 * {@code segments_dropped} (pushed out of a full cache), {@code segments_flushed} (sent from the
 * cache when a new stream opens after a failure) and {@code cache_flushed} (such flushes). Thread
 * safe; never blocks the event loops that report.
 */
public final class SkyWalkingReporter implements SkyWalkingSegment.SegmentReporter, TraceReporter {
  static final String PREFIX = "tracing.skywalking.";
  static final String COLLECT_PATH = "/skywalking.v3.TraceSegmentReportService/collect";
  static final Duration INITIAL_BACKOFF = Duration.ofMillis(500);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(SkyWalkingReporter.class);

  private final int maxCacheSize;
  private final CollectCall collect;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final Counter segmentsSent;
  private final Counter segmentsDropped;
  private final Counter segmentsFlushed;
  private final Counter cacheFlushed;
  private final ArrayDeque<byte[]> cache = new ArrayDeque<>();
  private boolean callInFlight;
  private boolean streamBroken;
  private Duration nextBackoff = INITIAL_BACKOFF;
  private Scheduler.ScheduledTask retry = Scheduler.ScheduledTask.NONE;
  private boolean closed;

  /** One {@code collect} call carrying gRPC-framed segments; completes with the failure, if any. */
  @FunctionalInterface
  interface CollectCall {
    /** Completes with null on {@code grpc-status: 0}, else with what went wrong; never throws. */
    CompletableFuture<String> send(byte[] framedSegments);
  }

  /** The production reporter: calls through the collector cluster, exchanges on {@code loop}. */
  public SkyWalkingReporter(
      SkyWalkingTracerConfig config,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      Scheduler scheduler,
      RandomSource random,
      StatsStore stats) {
    this(config.maxCacheSize(), collectThrough(config, clusters, loop), scheduler, random, stats);
  }

  SkyWalkingReporter(
      int maxCacheSize,
      CollectCall collect,
      Scheduler scheduler,
      RandomSource random,
      StatsStore stats) {
    this.maxCacheSize = maxCacheSize;
    this.collect = collect;
    this.scheduler = scheduler;
    this.random = random;
    this.segmentsSent = stats.counter(PREFIX + "segments_sent");
    this.segmentsDropped = stats.counter(PREFIX + "segments_dropped");
    this.segmentsFlushed = stats.counter(PREFIX + "segments_flushed");
    this.cacheFlushed = stats.counter(PREFIX + "cache_flushed");
  }

  @Override
  public void report(byte[] segmentObject) {
    List<byte[]> batch;
    synchronized (this) {
      if (closed) {
        segmentsDropped.inc();
        return;
      }
      cache.addLast(segmentObject);
      if (cache.size() > maxCacheSize) {
        cache.removeFirst();
        segmentsDropped.inc();
      }
      if (callInFlight || streamBroken) {
        return;
      }
      batch = takeCache(false);
    }
    send(batch);
  }

  /** Everything cached, marked as in flight; counted as sent (and flushed after a failure). */
  private List<byte[]> takeCache(boolean afterFailure) {
    List<byte[]> batch = new ArrayList<>(cache);
    cache.clear();
    callInFlight = true;
    segmentsSent.add(batch.size());
    if (afterFailure) {
      segmentsFlushed.add(batch.size());
      cacheFlushed.inc();
    }
    return batch;
  }

  private void send(List<byte[]> batch) {
    int length = 0;
    for (byte[] segment : batch) {
      length += 5 + segment.length;
    }
    ByteBuffer body = ByteBuffer.allocate(length);
    for (byte[] segment : batch) {
      body.put((byte) 0).putInt(segment.length).put(segment);
    }
    collect
        .send(body.array())
        .whenComplete(
            (problem, failure) -> {
              if (failure == null && problem == null) {
                callSucceeded();
              } else {
                log.debug(
                    "SkyWalking segment report failed: {}",
                    failure != null ? failure.toString() : problem);
                callFailed();
              }
            });
  }

  private static CollectCall collectThrough(
      SkyWalkingTracerConfig config, Function<String, ClusterHandle> clusters, EventLoop loop) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("content-type", "application/grpc");
    headers.set("te", "trailers");
    headers.set("grpc-timeout", Math.max(1, config.timeout().toMillis()) + "m");
    if (!config.backendToken().isEmpty()) {
      headers.set("authentication", config.backendToken());
    }
    return body ->
        CollectorExchange.post(
                clusters,
                config.clusterName(),
                loop,
                true,
                config.authority(),
                COLLECT_PATH,
                headers,
                body,
                config.timeout())
            .handle(
                (response, failure) -> failure != null ? failure.getMessage() : problem(response));
  }

  private static String problem(ClusterExchange.Response response) {
    if (response.status() != 200) {
      return "HTTP status " + response.status();
    }
    String status = response.trailerOrHeader("grpc-status");
    return "0".equals(status) ? null : "grpc-status " + status;
  }

  private void callSucceeded() {
    List<byte[]> batch = null;
    synchronized (this) {
      callInFlight = false;
      nextBackoff = INITIAL_BACKOFF;
      if (!cache.isEmpty() && !closed) {
        batch = takeCache(false);
      }
    }
    if (batch != null) {
      send(batch);
    }
  }

  private synchronized void callFailed() {
    callInFlight = false;
    streamBroken = true;
    if (closed) {
      return;
    }
    long bound = Math.max(1, nextBackoff.toMillis());
    Duration delay = Duration.ofMillis(1 + random.nextLong(bound));
    nextBackoff = nextBackoff.multipliedBy(2);
    if (nextBackoff.compareTo(MAX_BACKOFF) > 0) {
      nextBackoff = MAX_BACKOFF;
    }
    retry = scheduler.schedule(delay, this::reopen);
  }

  /** The back-off has passed: a new stream, flushing the cache if anything waits. */
  private void reopen() {
    List<byte[]> batch;
    synchronized (this) {
      streamBroken = false;
      if (closed || cache.isEmpty()) {
        return;
      }
      batch = takeCache(true);
    }
    send(batch);
  }

  /** Stops retrying; segments still cached are sent in a last call if none is running. */
  @Override
  public void close() {
    List<byte[]> batch = null;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      retry.cancel();
      if (!callInFlight && !cache.isEmpty()) {
        batch = takeCache(streamBroken);
      }
    }
    if (batch != null) {
      send(batch);
    }
  }
}
