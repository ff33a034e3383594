package io.attache.dataplane.tracing;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;

/**
 * Trace context as Envoy's Datadog tracer (dd-trace-cpp, default propagation styles {@code datadog}
 * then {@code tracecontext}) reads and writes it. Extraction tries {@code x-datadog-trace-id} /
 * {@code x-datadog-parent-id} / {@code x-datadog-sampling-priority} (the high 64 trace-id bits from
 * {@code x-datadog-tags}' {@code _dd.p.tid}), then W3C {@code traceparent} (its {@code tracestate}
 * {@code dd=s:} priority when present, else the sampled flag as priority 1 or 0). Injection writes
 * both styles. A new trace has a 128-bit id whose high half is the start second shifted left 32
 * bits (dd-trace-cpp's layout) and a random low half; span ids are random 63-bit numbers. The
 * sampling priority travels in the span's {@code traceState} slot as a decimal: an extracted
 * priority is kept; without one, a request Envoy does not trace is USER_DROP ({@code -1}), a traced
 * one AUTO_KEEP ({@code 1}, decision maker {@code -0}). A malformed context starts a new trace
 * (Envoy's Datadog tracer logs and creates a root span).
 */
final class DatadogPropagation implements Propagation {
  static final String TRACE_ID = "x-datadog-trace-id";
  static final String PARENT_ID = "x-datadog-parent-id";
  static final String SAMPLING_PRIORITY = "x-datadog-sampling-priority";
  static final String TAGS = "x-datadog-tags";
  static final int USER_DROP = -1;
  static final int AUTO_KEEP = 1;

  private final RandomSource random;
  private final Clock clock;

  DatadogPropagation(RandomSource random, Clock clock) {
    this.random = random;
    this.clock = clock;
  }

  @Override
  public Optional<SpanIdentity> downstream(HttpHeaders headers, TraceReason reason, SpanKind kind) {
    Optional<Extracted> extracted = fromDatadog(headers).or(() -> fromTraceContext(headers));
    String traceId =
        extracted
            .map(Extracted::traceId)
            .orElseGet(
                () ->
                    Propagation.hex16(clock.instant().getEpochSecond() << 32)
                        + Propagation.hex16(random.nextLong()));
    int priority =
        extracted.flatMap(Extracted::priority).orElse(reason.traced() ? AUTO_KEEP : USER_DROP);
    return Optional.of(
        new SpanIdentity(
            traceId,
            newSpanId(),
            extracted.map(Extracted::parentId).orElse(""),
            Integer.toString(priority),
            true));
  }

  private record Extracted(String traceId, String parentId, Optional<Integer> priority) {}

  private static Optional<Extracted> fromDatadog(HttpHeaders headers) {
    String trace = headers.get(TRACE_ID);
    String parent = headers.get(PARENT_ID);
    if (trace == null || parent == null) {
      return Optional.empty();
    }
    try {
      long low = Long.parseUnsignedLong(trace.strip());
      long parentId = Long.parseUnsignedLong(parent.strip());
      if (low == 0) {
        return Optional.empty();
      }
      Optional<Integer> priority = Optional.empty();
      String sampling = headers.get(SAMPLING_PRIORITY);
      if (sampling != null) {
        priority = Optional.of(Integer.parseInt(sampling.strip()));
      }
      return Optional.of(
          new Extracted(
              highBits(headers.get(TAGS)) + Propagation.hex16(low),
              Propagation.hex16(parentId),
              priority));
    } catch (NumberFormatException malformed) {
      return Optional.empty();
    }
  }

  /** {@code _dd.p.tid} of {@code x-datadog-tags}: the trace id's high 64 bits in hex, else 0. */
  private static String highBits(String tags) {
    if (tags != null) {
      for (String tag : tags.split(",")) {
        int eq = tag.indexOf('=');
        if (eq > 0 && tag.substring(0, eq).strip().equals("_dd.p.tid")) {
          String hex = tag.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
          if (hex.length() == 16 && TraceParent.isLowerHex(hex)) {
            return hex;
          }
        }
      }
    }
    return "0".repeat(16);
  }

  private static Optional<Extracted> fromTraceContext(HttpHeaders headers) {
    Optional<TraceParent> parent = TraceParent.parse(headers.get(TraceParent.HEADER));
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    Optional<Integer> priority = Optional.of(parent.get().sampled() ? AUTO_KEEP : 0);
    for (String state : headers.getAll(TraceState.HEADER)) {
      for (String member : state.split(",")) {
        String entry = member.strip();
        if (entry.startsWith("dd=")) {
          for (String field : entry.substring(3).split(";")) {
            if (field.startsWith("s:")) {
              try {
                priority = Optional.of(Integer.parseInt(field.substring(2)));
              } catch (NumberFormatException ignoredInvalidPriority) {
                // the traceparent's sampled flag stands
              }
            }
          }
        }
      }
    }
    return Optional.of(new Extracted(parent.get().traceId(), parent.get().parentId(), priority));
  }

  /** A random, non-zero 63-bit id, as dd-trace-cpp generates span ids. */
  @Override
  public String newSpanId() {
    long id;
    do {
      id = random.nextLong() & Long.MAX_VALUE;
    } while (id == 0);
    return Propagation.hex16(id);
  }

  @Override
  public void inject(RecordingSpan span, HttpHeaders headers) {
    int priority = priority(span.traceState);
    String high = span.traceId.substring(0, 16);
    long low = Long.parseUnsignedLong(span.traceId.substring(16), 16);
    long spanId = Long.parseUnsignedLong(span.spanId, 16);
    headers.set(TRACE_ID, Long.toUnsignedString(low));
    headers.set(PARENT_ID, Long.toUnsignedString(spanId));
    headers.set(SAMPLING_PRIORITY, Integer.toString(priority));
    // dd-trace-cpp's order, as stock Envoy 1.40 sends it: the trace id's high bits, then the
    // sampling mechanism.
    String tags = high.equals("0".repeat(16)) ? "" : "_dd.p.tid=" + high;
    if (priority > 0) {
      tags = tags.isEmpty() ? "_dd.p.dm=-0" : tags + ",_dd.p.dm=-0";
    }
    if (tags.isEmpty()) {
      headers.remove(TAGS);
    } else {
      headers.set(TAGS, tags);
    }
    headers.set(TraceParent.HEADER, TraceParent.format(span.traceId, span.spanId, priority > 0));
    headers.set(
        TraceState.HEADER,
        "dd=s:" + priority + ";p:" + span.spanId + (priority > 0 ? ";t.dm:-0" : ""));
  }

  /** The sampling priority a Datadog span carries in its {@code traceState} slot. */
  static int priority(String traceState) {
    return Integer.parseInt(traceState);
  }
}
