package io.attache.dataplane.tracing;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Turns finished spans into OTLP: one {@code ResourceSpans} whose resource carries {@code
 * service.name}, one {@code ScopeSpans} with every span, all attributes as strings (as Envoy sends
 * them). Runs on the exporter thread. Stateless.
 */
final class OtlpSpans {
  static final String SERVICE_NAME_ATTRIBUTE = "service.name";
  private static final HexFormat HEX = HexFormat.of();

  private OtlpSpans() {}

  static ResourceSpans toResourceSpans(String serviceName, List<SpanData> spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (SpanData span : spans) {
      scope.addSpans(toProto(span));
    }
    return ResourceSpans.newBuilder()
        .setResource(
            Resource.newBuilder().addAttributes(attribute(SERVICE_NAME_ATTRIBUTE, serviceName)))
        .addScopeSpans(scope)
        .build();
  }

  static Span toProto(SpanData span) {
    Span.Builder proto =
        Span.newBuilder()
            .setTraceId(bytes(span.traceId()))
            .setSpanId(bytes(span.spanId()))
            .setTraceState(span.traceState())
            .setName(span.name())
            .setKind(
                span.kind() == SpanKind.SERVER
                    ? Span.SpanKind.SPAN_KIND_SERVER
                    : Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(span.startEpochNanos())
            .setEndTimeUnixNano(span.endEpochNanos());
    if (!span.parentSpanId().isEmpty()) {
      proto.setParentSpanId(bytes(span.parentSpanId()));
    }
    for (Map.Entry<String, String> attribute : span.attributes().entrySet()) {
      proto.addAttributes(attribute(attribute.getKey(), attribute.getValue()));
    }
    return proto.build();
  }

  private static ByteString bytes(String hex) {
    return ByteString.copyFrom(HEX.parseHex(hex));
  }

  private static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }
}
