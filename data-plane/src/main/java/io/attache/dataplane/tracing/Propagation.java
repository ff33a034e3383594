package io.attache.dataplane.tracing;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * How a tracer reads and writes trace context on HTTP headers and mints ids: W3C Trace Context for
 * the OpenTelemetry tracer ({@link W3cPropagation}), B3 for the Zipkin tracer ({@link
 * B3Propagation}). Stateless apart from the injected random source; called on event loops, so it
 * must never block.
 */
interface Propagation extends Injector {
  /**
   * The downstream span's identity: continues the incoming context or starts a trace. Empty when
   * the headers carry a context this format refuses and Envoy's tracer would then trace nothing
   * (the headers are then left as they came).
   *
   * @param reason the connection manager's sampling decision
   * @param kind the downstream span's kind
   */
  Optional<SpanIdentity> downstream(HttpHeaders headers, TraceReason reason, SpanKind kind);

  /** A new, non-zero 64-bit span id in 16 lowercase hex digits. */
  @Override
  String newSpanId();

  /** Writes the context naming {@code span} as the parent of whatever the upstream does. */
  void inject(RecordingSpan span, HttpHeaders headers);

  /** These formats name no upstream path or address. */
  @Override
  default void inject(
      RecordingSpan span, HttpHeaders headers, String path, String upstreamAddress) {
    inject(span, headers);
  }

  /** The identity of a span about to start. */
  record SpanIdentity(
      String traceId, String spanId, String parentSpanId, String traceState, boolean sampled) {}

  static String hex16(long value) {
    String hex = Long.toHexString(value);
    return "0".repeat(16 - hex.length()) + hex;
  }

  static String nonZeroHex16(RandomSource random) {
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    return hex16(id);
  }
}
