package io.attache.dataplane.tracing;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import zipkin2.Endpoint;
import zipkin2.Span;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Encodes a batch of finished spans as one Zipkin report, as Envoy's Zipkin tracer does: a JSON
 * array of v2 spans ({@code traceId}, {@code parentId}, {@code id}, {@code name}, {@code kind},
 * {@code timestamp} and {@code duration} in microseconds, {@code localEndpoint}, string {@code
 * tags}, {@code shared} on a SERVER span when {@code shared_span_context} is on), or the same spans
 * as a proto3 {@code ListOfSpans} (through Zipkin's own encoder, which lowercases span and service
 * names as Zipkin does on ingest). Runs on the reporter thread. Stateless.
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
        if (!span.attributes().isEmpty()) {
          json.name("tags").beginObject();
          for (Map.Entry<String, String> tag : span.attributes().entrySet()) {
            json.name(tag.getKey()).value(tag.getValue());
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

  private static byte[] proto3(List<SpanData> spans, LocalEndpoint local, boolean shared) {
    Endpoint endpoint =
        Endpoint.newBuilder().serviceName(local.serviceName()).ip(local.address()).build();
    List<Span> converted = new ArrayList<>(spans.size());
    for (SpanData span : spans) {
      Span.Builder builder =
          Span.newBuilder()
              .traceId(span.traceId())
              .id(span.spanId())
              .name(span.name())
              .kind(span.kind() == SpanKind.SERVER ? Span.Kind.SERVER : Span.Kind.CLIENT)
              .timestamp(micros(span.startEpochNanos()))
              .duration(durationMicros(span))
              .localEndpoint(endpoint);
      if (!span.parentSpanId().isEmpty()) {
        builder.parentId(span.parentSpanId());
      }
      if (span.kind() == SpanKind.SERVER && shared) {
        builder.shared(true);
      }
      span.attributes().forEach(builder::putTag);
      converted.add(builder.build());
    }
    return SpanBytesEncoder.PROTO3.encodeList(converted);
  }

  private static long micros(long epochNanos) {
    return epochNanos / 1_000L;
  }

  private static long durationMicros(SpanData span) {
    return Math.max(0, micros(span.endEpochNanos()) - micros(span.startEpochNanos()));
  }
}
