package io.attache.dataplane.tracing;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * W3C Trace Context, as the OpenTelemetry tracer uses it: a valid {@code traceparent} (and its
 * {@code tracestate}) is continued, sampled only when both it and the connection manager say so; an
 * invalid one is removed and a new 128-bit trace started (Envoy instead leaves the header alone and
 * traces nothing). Never forwards an unparseable {@code traceparent}.
 */
final class W3cPropagation implements Propagation {
  private final RandomSource random;

  W3cPropagation(RandomSource random) {
    this.random = random;
  }

  @Override
  public Optional<SpanIdentity> downstream(HttpHeaders headers, TraceReason reason, SpanKind kind) {
    Optional<TraceParent> incoming = TraceParent.parse(headers.get(TraceParent.HEADER));
    String traceState = "";
    if (incoming.isPresent()) {
      traceState = TraceState.parse(headers.getAll(TraceState.HEADER)).orElse("");
    } else {
      headers.remove(TraceParent.HEADER);
      headers.remove(TraceState.HEADER);
    }
    return Optional.of(
        new SpanIdentity(
            incoming
                .map(TraceParent::traceId)
                .orElseGet(
                    () -> Propagation.nonZeroHex16(random) + Propagation.hex16(random.nextLong())),
            newSpanId(),
            incoming.map(TraceParent::parentId).orElse(""),
            traceState,
            reason.traced() && incoming.map(TraceParent::sampled).orElse(true)));
  }

  @Override
  public String newSpanId() {
    return Propagation.nonZeroHex16(random);
  }

  @Override
  public void inject(RecordingSpan span, HttpHeaders headers) {
    headers.set(TraceParent.HEADER, TraceParent.format(span.traceId, span.spanId, span.sampled));
    // Envoy's OpenTelemetry span sets tracestate unconditionally, empty for a new trace (the
    // census's behaviour check saw stock Envoy 1.40 send it on the examples' opentelemetry set).
    headers.set(TraceState.HEADER, span.traceState);
  }
}
