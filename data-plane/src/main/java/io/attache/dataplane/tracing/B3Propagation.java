package io.attache.dataplane.tracing;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * Zipkin's B3 propagation as Envoy's Zipkin tracer does it. Reads the single {@code b3} header when
 * present, else {@code x-b3-traceid} (16 or 32 hex) with {@code x-b3-spanid} and {@code
 * x-b3-parentspanid}; only the first value of each counts. An explicit sampling flag ({@code b3}'s
 * {@code 1}/{@code d}/{@code 0}, {@code x-b3-sampled: 1|true}, anything else is "not sampled")
 * overrides the connection manager's decision; without one the decision stands. A malformed context
 * traces nothing and the headers pass untouched. {@code x-b3-flags} is not read (Envoy reads no
 * flags) and passes through. Injects {@code x-b3-traceid}, {@code x-b3-spanid}, {@code
 * x-b3-parentspanid} (when the span has a parent) and {@code x-b3-sampled}; never the single
 * header.
 *
 * <p>Ids: a new trace id is 64-bit, or 128-bit with {@code trace_id_128bit}; a SERVER span that
 * continues a caller's context shares the caller's span id and parent (Zipkin's shared span) unless
 * {@code shared_span_context} is false.
 */
final class B3Propagation implements Propagation {
  static final String B3 = "b3";
  static final String TRACE_ID = "x-b3-traceid";
  static final String SPAN_ID = "x-b3-spanid";
  static final String PARENT_SPAN_ID = "x-b3-parentspanid";
  static final String SAMPLED = "x-b3-sampled";

  private final RandomSource random;
  private final boolean traceId128Bit;
  private final boolean sharedSpanContext;

  B3Propagation(RandomSource random, boolean traceId128Bit, boolean sharedSpanContext) {
    this.random = random;
    this.traceId128Bit = traceId128Bit;
    this.sharedSpanContext = sharedSpanContext;
  }

  /** An incoming B3 context: ids as lowercase hex, the parent empty when there is none. */
  record Context(String traceId, String spanId, String parentSpanId) {}

  /** What the headers say: no context, a context, or a malformed one. */
  record Extracted(Optional<Context> context, Optional<Boolean> sampled, boolean malformed) {
    static final Extracted MALFORMED = new Extracted(Optional.empty(), Optional.empty(), true);
  }

  @Override
  public Optional<SpanIdentity> downstream(HttpHeaders headers, TraceReason reason, SpanKind kind) {
    Extracted extracted = extract(headers);
    if (extracted.malformed()) {
      return Optional.empty();
    }
    boolean sampled = extracted.sampled().orElse(reason.traced());
    if (extracted.context().isEmpty()) {
      String spanId = newSpanId();
      String traceId = traceId128Bit ? Propagation.hex16(random.nextLong()) + spanId : spanId;
      return Optional.of(new SpanIdentity(traceId, spanId, "", "", sampled));
    }
    Context incoming = extracted.context().get();
    if (kind == SpanKind.SERVER && sharedSpanContext) {
      return Optional.of(
          new SpanIdentity(
              incoming.traceId(), incoming.spanId(), incoming.parentSpanId(), "", sampled));
    }
    return Optional.of(
        new SpanIdentity(incoming.traceId(), newSpanId(), incoming.spanId(), "", sampled));
  }

  @Override
  public String newSpanId() {
    return Propagation.nonZeroHex16(random);
  }

  @Override
  public void inject(RecordingSpan span, HttpHeaders headers) {
    headers.set(TRACE_ID, span.traceId);
    headers.set(SPAN_ID, span.spanId);
    if (!span.parentSpanId.isEmpty()) {
      headers.set(PARENT_SPAN_ID, span.parentSpanId);
    }
    headers.set(SAMPLED, span.sampled ? "1" : "0");
  }

  /** Reads the incoming context as Envoy's Zipkin span context extractor does. */
  static Extracted extract(HttpHeaders headers) {
    String single = headers.get(B3);
    if (single != null) {
      return extractSingle(single);
    }
    String sampledHeader = headers.get(SAMPLED);
    Optional<Boolean> sampled =
        sampledHeader == null
            ? Optional.empty()
            : Optional.of(sampledHeader.equals("1") || sampledHeader.equals("true"));
    String traceId = headers.get(TRACE_ID);
    String spanId = headers.get(SPAN_ID);
    if (traceId == null || spanId == null) {
      return new Extracted(Optional.empty(), sampled, false);
    }
    String parent = headers.get(PARENT_SPAN_ID, "");
    if (!isTraceId(traceId)
        || !isHex(spanId, 1, 16)
        || !(parent.isEmpty() || isHex(parent, 1, 16))) {
      return Extracted.MALFORMED;
    }
    return new Extracted(
        Optional.of(
            new Context(normalise(traceId), pad16(spanId), parent.isEmpty() ? "" : pad16(parent))),
        sampled,
        false);
  }

  /**
   * {@code b3: {trace}-{span}[-{flag}[-{parent}]]} or just {@code {flag}}; the trace id is 16 or 32
   * hex, the span and parent ids 16, the flag {@code 0}, {@code 1} or {@code d} (debug, sampled).
   */
  private static Extracted extractSingle(String b3) {
    if (b3.length() == 1) {
      Optional<Boolean> flag = samplingFlag(b3.charAt(0));
      return flag.isEmpty() ? Extracted.MALFORMED : new Extracted(Optional.empty(), flag, false);
    }
    String[] parts = b3.split("-", -1);
    if (parts.length < 2 || parts.length > 4) {
      return Extracted.MALFORMED;
    }
    String traceId = parts[0];
    String spanId = parts[1];
    if (!(isHex(traceId, 16, 16) || isHex(traceId, 32, 32)) || !isHex(spanId, 16, 16)) {
      return Extracted.MALFORMED;
    }
    Optional<Boolean> sampled = Optional.empty();
    if (parts.length >= 3) {
      if (parts[2].length() != 1) {
        return Extracted.MALFORMED;
      }
      sampled = samplingFlag(parts[2].charAt(0));
      if (sampled.isEmpty()) {
        return Extracted.MALFORMED;
      }
    }
    String parent = "";
    if (parts.length == 4) {
      if (!isHex(parts[3], 16, 16)) {
        return Extracted.MALFORMED;
      }
      parent = parts[3];
    }
    return new Extracted(
        Optional.of(
            new Context(
                traceId.toLowerCase(java.util.Locale.ROOT),
                spanId.toLowerCase(java.util.Locale.ROOT),
                parent.toLowerCase(java.util.Locale.ROOT))),
        sampled,
        false);
  }

  private static Optional<Boolean> samplingFlag(char c) {
    return switch (c) {
      case '1', 'd' -> Optional.of(true);
      case '0' -> Optional.of(false);
      default -> Optional.empty();
    };
  }

  /** A 64-bit id of up to 16 hex digits, or a 128-bit one of exactly 32. */
  private static boolean isTraceId(String id) {
    return isHex(id, 1, 16) || isHex(id, 32, 32);
  }

  private static String normalise(String traceId) {
    return traceId.length() == 32 ? traceId.toLowerCase(java.util.Locale.ROOT) : pad16(traceId);
  }

  /** Envoy reads ids as numbers and writes them back as 16 hex digits. */
  private static String pad16(String hex) {
    return "0".repeat(16 - hex.length()) + hex.toLowerCase(java.util.Locale.ROOT);
  }

  private static boolean isHex(String s, int minLength, int maxLength) {
    if (s.length() < minLength || s.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
  }
}
