package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The mutable state of one span while its stream runs: ids, name, kind, start time and tags (the
 * last value set for a tag wins). Confined to one event loop; becomes an immutable {@link SpanData}
 * when it ends.
 */
final class RecordingSpan {
  final String traceId;
  final String spanId;
  final String parentSpanId;
  final String traceState;
  final boolean sampled;
  final SpanKind kind;
  private final Injector propagation;
  private final long startEpochNanos;
  private final Map<String, String> attributes = new LinkedHashMap<>();
  private String name;
  private boolean ended;

  RecordingSpan(
      String traceId,
      String spanId,
      String parentSpanId,
      String traceState,
      boolean sampled,
      String name,
      SpanKind kind,
      Injector propagation,
      long startEpochNanos) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.traceState = traceState;
    this.sampled = sampled;
    this.name = name;
    this.kind = kind;
    this.propagation = propagation;
    this.startEpochNanos = startEpochNanos;
  }

  static long epochNanos(Clock clock) {
    Instant now = clock.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  String name() {
    return name;
  }

  void setName(String name) {
    this.name = name;
  }

  void setTag(String tag, String value) {
    if (!tag.isEmpty()) {
      attributes.put(tag, value);
    }
  }

  void injectInto(HttpHeaders headers, String path, String upstreamAddress) {
    propagation.inject(this, headers, path, upstreamAddress);
  }

  /** Ends the span once; returns it for export only when sampled. */
  SpanData end(Clock clock) {
    if (ended) {
      return null;
    }
    ended = true;
    if (!sampled) {
      return null;
    }
    return new SpanData(
        traceId,
        spanId,
        parentSpanId,
        traceState,
        name,
        kind,
        startEpochNanos,
        epochNanos(clock),
        Collections.unmodifiableMap(new LinkedHashMap<>(attributes)));
  }
}
