package io.attache.dataplane.tracing;

import com.google.gson.stream.JsonWriter;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Encodes a batch of finished spans as one Zipkin report, as Envoy's Zipkin tracer does: a JSON
 * array of v2 spans ({@code traceId}, {@code parentId}, {@code id}, {@code name}, {@code kind},
 * {@code timestamp} and {@code duration} in microseconds, {@code localEndpoint}, string {@code
 * tags}, {@code shared} on a SERVER span when {@code shared_span_context} is on), or the same spans
 * as a proto3 {@code ListOfSpans} with Envoy's byte order for ids. A tag with an empty value is
 * left out (Envoy's Zipkin span drops it). Runs on the reporter thread. Stateless.
 */
final class ZipkinSpans {
  private ZipkinSpans() {}

  /**
   * Who reports: {@code node.cluster} as the service name and the proxy's first non-loopback IPv4
   * address (Envoy's local address), port 0.
   */
  record LocalEndpoint(String serviceName, InetAddress address) {
    /** The service name with the first non-loopback IPv4 address of an interface that is up. */
    static LocalEndpoint detect(String serviceName) {
      try {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          if (!nic.isUp() || nic.isLoopback()) {
            continue;
          }
          for (InetAddress address : Collections.list(nic.getInetAddresses())) {
            if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
              return new LocalEndpoint(serviceName, address);
            }
          }
        }
      } catch (SocketException e) {
        // no interface list: fall back to loopback as below
      }
      return new LocalEndpoint(serviceName, InetAddress.getLoopbackAddress());
    }
  }

  static byte[] encode(
      List<SpanData> spans,
      ZipkinTracerConfig.Encoding encoding,
      LocalEndpoint local,
      boolean sharedSpanContext) {
    return switch (encoding) {
      case JSON_V2 -> json(spans, local, sharedSpanContext).getBytes(StandardCharsets.UTF_8);
      case PROTO3 -> proto3(spans, local, sharedSpanContext);
    };
  }

  static String json(List<SpanData> spans, LocalEndpoint local, boolean sharedSpanContext) {
    StringWriter out = new StringWriter();
    try (JsonWriter json = new JsonWriter(out)) {
      json.beginArray();
      for (SpanData span : spans) {
        json.beginObject();
        json.name("traceId").value(span.traceId());
        if (!span.parentSpanId().isEmpty()) {
          json.name("parentId").value(span.parentSpanId());
        }
        json.name("id").value(span.spanId());
        if (!span.name().isEmpty()) {
          json.name("name").value(span.name());
        }
        json.name("kind").value(span.kind() == SpanKind.SERVER ? "SERVER" : "CLIENT");
        json.name("timestamp").value(micros(span.startEpochNanos()));
        json.name("duration").value(durationMicros(span));
        json.name("localEndpoint").beginObject();
        json.name(local.address() instanceof Inet4Address ? "ipv4" : "ipv6")
            .value(local.address().getHostAddress());
        json.name("port").value(0);
        if (!local.serviceName().isEmpty()) {
          json.name("serviceName").value(local.serviceName());
        }
        json.endObject();
        if (span.attributes().values().stream().anyMatch(value -> !value.isEmpty())) {
          json.name("tags").beginObject();
          for (Map.Entry<String, String> tag : span.attributes().entrySet()) {
            if (!tag.getValue().isEmpty()) {
              json.name(tag.getKey()).value(tag.getValue());
            }
          }
          json.endObject();
        }
        if (span.kind() == SpanKind.SERVER && sharedSpanContext) {
          json.name("shared").value(true);
        }
        json.endObject();
      }
      json.endArray();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toString();
  }

  /**
   * A {@code zipkin.proto3.ListOfSpans} written field by field as Envoy's Zipkin tracer serialises
   * it: names as given (not lowercased), the trace id big-endian, but the span and parent ids in
   * the host's byte order (little-endian: Envoy copies the {@code uint64_t} as it lies in memory),
   * so a collector reads those two byte-reversed, exactly as it does from Envoy.
   */
  private static byte[] proto3(List<SpanData> spans, LocalEndpoint local, boolean shared) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      CodedOutputStream list = CodedOutputStream.newInstance(out);
      byte[] endpoint = endpoint(local);
      for (SpanData span : spans) {
        list.writeByteArray(1, protoSpan(span, endpoint, shared));
      }
      list.flush();
      return out.toByteArray();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
  }

  private static byte[] protoSpan(SpanData span, byte[] endpoint, boolean shared)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeByteArray(1, HexFormat.of().parseHex(span.traceId()));
    if (!span.parentSpanId().isEmpty()) {
      out.writeByteArray(2, hostOrder(span.parentSpanId()));
    }
    out.writeByteArray(3, hostOrder(span.spanId()));
    out.writeEnum(4, span.kind() == SpanKind.SERVER ? 2 : 1);
    if (!span.name().isEmpty()) {
      out.writeString(5, span.name());
    }
    out.writeFixed64(6, micros(span.startEpochNanos()));
    long duration = durationMicros(span);
    if (duration != 0) {
      out.writeUInt64(7, duration);
    }
    out.writeByteArray(8, endpoint);
    for (Map.Entry<String, String> tag : span.attributes().entrySet()) {
      if (tag.getValue().isEmpty()) {
        continue;
      }
      ByteArrayOutputStream entryBytes = new ByteArrayOutputStream();
      CodedOutputStream entry = CodedOutputStream.newInstance(entryBytes);
      entry.writeString(1, tag.getKey());
      entry.writeString(2, tag.getValue());
      entry.flush();
      out.writeByteArray(11, entryBytes.toByteArray());
    }
    if (span.kind() == SpanKind.SERVER && shared) {
      out.writeBool(13, true);
    }
    out.flush();
    return bytes.toByteArray();
  }

  private static byte[] endpoint(LocalEndpoint local) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    if (!local.serviceName().isEmpty()) {
      out.writeString(1, local.serviceName());
    }
    out.writeByteArray(
        local.address() instanceof Inet4Address ? 2 : 3, local.address().getAddress());
    out.flush();
    return bytes.toByteArray();
  }

  /** A 16-hex-digit id as the eight bytes of a little-endian {@code uint64_t}. */
  private static byte[] hostOrder(String hexId) {
    byte[] bigEndian = HexFormat.of().parseHex(hexId);
    byte[] reversed = new byte[bigEndian.length];
    for (int i = 0; i < bigEndian.length; i++) {
      reversed[i] = bigEndian[bigEndian.length - 1 - i];
    }
    return reversed;
  }

  private static long micros(long epochNanos) {
    return epochNanos / 1_000L;
  }

  private static long durationMicros(SpanData span) {
    return Math.max(0, micros(span.endEpochNanos()) - micros(span.startEpochNanos()));
  }
}
