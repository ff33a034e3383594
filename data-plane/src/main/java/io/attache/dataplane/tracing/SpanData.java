package io.attache.dataplane.tracing;

import java.util.Map;

/**
 * A finished span as it is exported: W3C ids in lowercase hex ({@code parentSpanId} empty for a
 * root), the tracestate carried along, name, kind, wall-clock times and string attributes in the
 * order they were set. Immutable; safe to hand to the exporter thread.
 */
public record SpanData(
    String traceId,
    String spanId,
    String parentSpanId,
    String traceState,
    String name,
    SpanKind kind,
    long startEpochNanos,
    long endEpochNanos,
    Map<String, String> attributes) {}
