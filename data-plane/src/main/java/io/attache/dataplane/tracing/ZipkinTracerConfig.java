package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;

/**
 * The {@code envoy.tracers.zipkin} provider ({@code config.trace.v3.ZipkinConfig}): where reports
 * go (a POST of {@code collector_endpoint} on {@code collector_cluster}, {@code :authority} {@code
 * collector_hostname} or the cluster name), in which encoding (Zipkin JSON v2 or proto3), and how
 * spans are identified (64- or 128-bit new trace ids, a SERVER span sharing its caller's span id,
 * the proxy as its own hop). Immutable. Refuses by field path what it cannot honour; it must never
 * accept a setting it would silently run differently.
 *
 * @param splitSpansForRequest Envoy's {@code split_spans_for_request}: like the connection
 *     manager's {@code spawn_upstream_span}, a SERVER span for the downstream request and a CLIENT
 *     span per upstream attempt
 */
public record ZipkinTracerConfig(
    String collectorCluster,
    String collectorEndpoint,
    Encoding encoding,
    String collectorHostname,
    boolean traceId128Bit,
    boolean sharedSpanContext,
    boolean splitSpansForRequest) {
  public static final String PROVIDER_NAME = "envoy.tracers.zipkin";
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig";

  /** How a report's body is encoded ({@code collector_endpoint_version}). */
  public enum Encoding {
    /** {@code HTTP_JSON}: a JSON array of Zipkin v2 spans, {@code application/json}. */
    JSON_V2("application/json"),
    /** {@code HTTP_PROTO}: a {@code zipkin.proto3.ListOfSpans}, {@code application/x-protobuf}. */
    PROTO3("application/x-protobuf");

    private final String contentType;

    Encoding(String contentType) {
      this.contentType = contentType;
    }

    public String contentType() {
      return contentType;
    }
  }

  static ZipkinTracerConfig from(Any typedConfig, String fieldPath) throws ConfigException {
    try {
      return from(typedConfig.unpack(ZipkinConfig.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not a ZipkinConfig: " + e.getMessage());
    }
  }

  public static ZipkinTracerConfig from(ZipkinConfig proto, String fieldPath)
      throws ConfigException {
    if (proto.getCollectorCluster().isEmpty()) {
      throw new ConfigException(
          fieldPath + ".collector_cluster", "the Zipkin collector cluster is required");
    }
    if (proto.getCollectorEndpoint().isEmpty() || !proto.getCollectorEndpoint().startsWith("/")) {
      throw new ConfigException(
          fieldPath + ".collector_endpoint",
          "the collector's API path is required, e.g. /api/v2/spans");
    }
    Encoding encoding =
        switch (proto.getCollectorEndpointVersion()) {
          case HTTP_JSON -> Encoding.JSON_V2;
          case HTTP_PROTO -> Encoding.PROTO3;
          case GRPC ->
              throw new ConfigException(
                  fieldPath + ".collector_endpoint_version",
                  "GRPC reports are not supported (Envoy has no gRPC Zipkin reporter either);"
                      + " use HTTP_JSON or HTTP_PROTO");
          default ->
              throw new ConfigException(
                  fieldPath + ".collector_endpoint_version",
                  "the JSON v1 format is gone (as in Envoy); set HTTP_JSON or HTTP_PROTO");
        };
    return new ZipkinTracerConfig(
        proto.getCollectorCluster(),
        proto.getCollectorEndpoint(),
        encoding,
        proto.getCollectorHostname().isEmpty()
            ? proto.getCollectorCluster()
            : proto.getCollectorHostname(),
        proto.getTraceId128Bit(),
        !proto.hasSharedSpanContext() || proto.getSharedSpanContext().getValue(),
        proto.getSplitSpansForRequest());
  }
}
