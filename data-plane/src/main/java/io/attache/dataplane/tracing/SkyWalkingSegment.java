package io.attache.dataplane.tracing;

import com.google.protobuf.CodedOutputStream;
import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request's SkyWalking trace segment, as Envoy's SkyWalking tracer (cpp2sky's tracing context)
 * builds it: a new segment id, the caller's trace id (or a new one), span 0 the Entry span of the
 * connection manager, spans 1, 2... the Exit spans of upstream attempts ({@code start_child_span}
 * or {@code spawn_upstream_span}). The Entry span carries a CrossProcess reference to the caller's
 * segment when an {@code sw8} header came in (Envoy 1.40 sends none on Exit spans). Only an Exit
 * span propagates: it writes {@code sw8} naming itself as the parent and the upstream address as
 * the target, and takes the upstream path as its operation name. When the last started span has
 * ended, the segment is encoded as a {@code skywalking.v3.SegmentObject} and handed to the
 * reporter. Confined to the stream's event loop.
 */
final class SkyWalkingSegment implements SpanSink, Injector {
  static final int ENTRY = 0;
  static final int EXIT = 1;
  static final int LAYER_HTTP = 3;

  /** cpp2sky's component id for C++ SDK spans, "Envoy proxy" in SkyWalking's component list. */
  static final int COMPONENT_ENVOY = 9000;

  private final String traceId;
  private final String segmentId;
  private final String service;
  private final String instance;
  private final Optional<Sw8Header> parent;
  private final boolean skipAnalysis;
  private final SegmentReporter reporter;
  private final List<SpanData> finished = new ArrayList<>();
  private RecordingSpan entry;
  private int nextSpanId = 1;
  private int openSpans = 1;

  /** Where finished segments go; called on event loops and must never block. */
  @FunctionalInterface
  interface SegmentReporter {
    void report(byte[] segmentObject);
  }

  /**
   * @param parent the caller's context from {@code sw8}, if any
   * @param skipAnalysis the connection manager decided not to trace: the Entry span is still
   *     reported (SkyWalking always samples) but marked {@code skipAnalysis}
   */
  SkyWalkingSegment(
      SkyWalkingTracerConfig config,
      Optional<Sw8Header> parent,
      boolean skipAnalysis,
      RandomSource random,
      SegmentReporter reporter) {
    this.parent = parent;
    this.traceId = parent.map(Sw8Header::traceId).orElseGet(() -> uuid(random));
    this.segmentId = uuid(random);
    this.service = config.serviceName();
    this.instance = config.instanceName();
    this.skipAnalysis = skipAnalysis;
    this.reporter = reporter;
  }

  String traceId() {
    return traceId;
  }

  String segmentId() {
    return segmentId;
  }

  /** Names span 0, whose current operation name is the endpoint every {@code sw8} carries. */
  void entry(RecordingSpan span) {
    this.entry = span;
  }

  /** The next Exit span's id; the segment waits for it to end before it is reported. */
  @Override
  public String newSpanId() {
    openSpans++;
    return Integer.toString(nextSpanId++);
  }

  /** Entry spans do not propagate (cpp2sky has no Exit span to name as the parent). */
  @Override
  public void inject(RecordingSpan span, HttpHeaders headers, String path, String target) {
    if (span == entry) {
      return;
    }
    span.setName(path);
    headers.set(
        Sw8Header.NAME,
        new Sw8Header(
                traceId,
                segmentId,
                Integer.parseInt(span.spanId),
                service,
                instance,
                entry.name(),
                target)
            .encode());
  }

  @Override
  public void accept(SpanData span) {
    finished.add(span);
    if (--openSpans == 0) {
      reporter.report(encode());
    }
  }

  /** The segment as a {@code skywalking.v3.SegmentObject} (field numbers of Tracing.proto). */
  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeString(1, traceId);
      out.writeString(2, segmentId);
      finished.sort((a, b) -> Integer.compare(spanId(a), spanId(b)));
      for (SpanData span : finished) {
        out.writeByteArray(3, spanObject(span));
      }
      out.writeString(4, service);
      out.writeString(5, instance);
      out.flush();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return bytes.toByteArray();
  }

  private static int spanId(SpanData span) {
    return Integer.parseInt(span.spanId());
  }

  private byte[] spanObject(SpanData span) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    int id = spanId(span);
    out.writeInt32(1, id);
    out.writeInt32(2, id == 0 ? -1 : Integer.parseInt(span.parentSpanId()));
    out.writeInt64(3, span.startEpochNanos() / 1_000_000);
    out.writeInt64(4, span.endEpochNanos() / 1_000_000);
    if (id == 0 && parent.isPresent()) {
      out.writeByteArray(5, reference(parent.get()));
    }
    writeNonEmpty(out, 6, span.name());
    String peer = span.attributes().get(Tags.PEER_ADDRESS);
    if (peer != null) {
      writeNonEmpty(out, 7, peer);
    }
    if (id != 0) {
      out.writeEnum(8, EXIT);
    }
    out.writeEnum(9, LAYER_HTTP);
    out.writeInt32(10, COMPONENT_ENVOY);
    if (span.attributes().containsKey(Tags.ERROR)) {
      out.writeBool(11, true);
    }
    for (Map.Entry<String, String> tag : span.attributes().entrySet()) {
      String key = tagName(tag.getKey());
      if (key != null) {
        out.writeByteArray(12, keyValue(key, tag.getValue()));
      }
    }
    if (id == 0 && skipAnalysis) {
      out.writeBool(14, true);
    }
    out.flush();
    return bytes.toByteArray();
  }

  /** Envoy's SkyWalking span renames two tags and carries the peer address as the span's peer. */
  private static String tagName(String envoyTag) {
    return switch (envoyTag) {
      case Tags.HTTP_URL -> "url";
      case Tags.HTTP_STATUS_CODE -> "status_code";
      case Tags.PEER_ADDRESS -> null;
      default -> envoyTag;
    };
  }

  private static byte[] reference(Sw8Header caller) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    // refType CrossProcess is 0, the default: not written
    writeNonEmpty(out, 2, caller.traceId());
    writeNonEmpty(out, 3, caller.segmentId());
    out.writeInt32(4, caller.spanId());
    writeNonEmpty(out, 5, caller.service());
    writeNonEmpty(out, 6, caller.instance());
    writeNonEmpty(out, 7, caller.endpoint());
    writeNonEmpty(out, 8, caller.targetAddress());
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] keyValue(String key, String value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writeNonEmpty(out, 1, key);
    writeNonEmpty(out, 2, value);
    out.flush();
    return bytes.toByteArray();
  }

  private static void writeNonEmpty(CodedOutputStream out, int field, String value)
      throws IOException {
    if (!value.isEmpty()) {
      out.writeString(field, value);
    }
  }

  /** A random (version 4) UUID from the injected source, as cpp2sky's ids are. */
  static String uuid(RandomSource random) {
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new java.util.UUID(high, low).toString();
  }
}
