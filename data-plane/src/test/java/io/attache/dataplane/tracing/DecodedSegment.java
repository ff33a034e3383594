package io.attache.dataplane.tracing;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code skywalking.v3.SegmentObject} decoded by the field numbers of SkyWalking's Tracing.proto,
 * independently of the encoder under test, for assertions.
 */
record DecodedSegment(
    String traceId, String segmentId, List<Span> spans, String service, String instance) {

  record Span(
      int spanId,
      int parentSpanId,
      long startTime,
      long endTime,
      List<Ref> refs,
      String operationName,
      String peer,
      int spanType,
      int spanLayer,
      int componentId,
      boolean isError,
      Map<String, String> tags,
      boolean skipAnalysis) {}

  record Ref(
      int refType,
      String traceId,
      String parentSegmentId,
      int parentSpanId,
      String parentService,
      String parentInstance,
      String parentEndpoint,
      String networkAddressUsedAtPeer) {}

  static DecodedSegment parse(byte[] bytes) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      String traceId = "";
      String segmentId = "";
      String service = "";
      String instance = "";
      List<Span> spans = new ArrayList<>();
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag >>> 3) {
          case 1 -> traceId = in.readString();
          case 2 -> segmentId = in.readString();
          case 3 -> spans.add(span(in.readByteArray()));
          case 4 -> service = in.readString();
          case 5 -> instance = in.readString();
          default -> in.skipField(tag);
        }
      }
      return new DecodedSegment(traceId, segmentId, List.copyOf(spans), service, instance);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Span span(byte[] bytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    int spanId = 0;
    int parent = 0;
    long start = 0;
    long end = 0;
    List<Ref> refs = new ArrayList<>();
    String name = "";
    String peer = "";
    int type = 0;
    int layer = 0;
    int component = 0;
    boolean error = false;
    Map<String, String> tags = new LinkedHashMap<>();
    boolean skip = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag >>> 3) {
        case 1 -> spanId = in.readInt32();
        case 2 -> parent = in.readInt32();
        case 3 -> start = in.readInt64();
        case 4 -> end = in.readInt64();
        case 5 -> refs.add(ref(in.readByteArray()));
        case 6 -> name = in.readString();
        case 7 -> peer = in.readString();
        case 8 -> type = in.readEnum();
        case 9 -> layer = in.readEnum();
        case 10 -> component = in.readInt32();
        case 11 -> error = in.readBool();
        case 12 -> {
          CodedInputStream kv = CodedInputStream.newInstance(in.readByteArray());
          String key = "";
          String value = "";
          for (int t = kv.readTag(); t != 0; t = kv.readTag()) {
            if (t >>> 3 == 1) {
              key = kv.readString();
            } else if (t >>> 3 == 2) {
              value = kv.readString();
            } else {
              kv.skipField(t);
            }
          }
          tags.put(key, value);
        }
        case 14 -> skip = in.readBool();
        default -> in.skipField(tag);
      }
    }
    return new Span(
        spanId,
        parent,
        start,
        end,
        List.copyOf(refs),
        name,
        peer,
        type,
        layer,
        component,
        error,
        tags,
        skip);
  }

  private static Ref ref(byte[] bytes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    int type = 0;
    String[] strings = new String[9];
    java.util.Arrays.fill(strings, "");
    int parentSpan = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = tag >>> 3;
      if (field == 1) {
        type = in.readEnum();
      } else if (field == 4) {
        parentSpan = in.readInt32();
      } else if (field >= 2 && field <= 8) {
        strings[field] = in.readString();
      } else {
        in.skipField(tag);
      }
    }
    return new Ref(
        type, strings[2], strings[3], parentSpan, strings[5], strings[6], strings[7], strings[8]);
  }

  /** The gRPC messages of a {@code collect} request body, each decoded. */
  static List<DecodedSegment> fromGrpcBody(byte[] body) {
    List<DecodedSegment> segments = new ArrayList<>();
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(body);
    while (buffer.remaining() >= 5) {
      buffer.get();
      byte[] message = new byte[buffer.getInt()];
      buffer.get(message);
      segments.add(parse(message));
    }
    return segments;
  }

  Span span(int id) {
    return spans.stream().filter(s -> s.spanId() == id).findFirst().orElseThrow();
  }
}
