package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code envoy.tracers.opentelemetry} provider ({@code config.trace.v3.OpenTelemetryConfig}):
 * where OTLP/gRPC exports go (an {@code envoy_grpc} cluster), their deadline and metadata, and the
 * {@code service.name} resource attribute. Immutable.
 */
public record OtlpExporterConfig(
    String clusterName,
    String authority,
    Duration timeout,
    List<HeaderValue> initialMetadata,
    String serviceName) {
  public static final String PROVIDER_NAME = "envoy.tracers.opentelemetry";
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";

  /** Envoy's default {@code service.name} when {@code service_name} is empty. */
  public static final String DEFAULT_SERVICE_NAME = "unknown_service:envoy";

  /** Envoy's gRPC async client has no deadline unless {@code timeout} is set; we bound it. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  static OtlpExporterConfig from(Any typedConfig, String fieldPath) throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(
          fieldPath, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(typedConfig.unpack(OpenTelemetryConfig.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not an OpenTelemetryConfig: " + e.getMessage());
    }
  }

  public static OtlpExporterConfig from(OpenTelemetryConfig proto, String fieldPath)
      throws ConfigException {
    if (proto.hasHttpService()) {
      throw new ConfigException(
          fieldPath + ".http_service", "OTLP/HTTP export is not supported; use grpc_service");
    }
    if (proto.getResourceDetectorsCount() > 0) {
      throw new ConfigException(
          fieldPath + ".resource_detectors", "resource detectors are not supported");
    }
    if (proto.hasSampler()) {
      throw new ConfigException(
          fieldPath + ".sampler",
          "OpenTelemetry samplers are not supported; use the HCM tracing sampling fields");
    }
    if (!proto.hasGrpcService()) {
      throw new ConfigException(
          fieldPath + ".grpc_service", "a grpc_service naming the collector cluster is required");
    }
    GrpcService grpc = proto.getGrpcService();
    String grpcPath = fieldPath + ".grpc_service";
    if (grpc.hasGoogleGrpc()) {
      throw new ConfigException(
          grpcPath + ".google_grpc", "only envoy_grpc (a cluster) is supported");
    }
    if (!grpc.hasEnvoyGrpc() || grpc.getEnvoyGrpc().getClusterName().isEmpty()) {
      throw new ConfigException(
          grpcPath + ".envoy_grpc.cluster_name", "the collector cluster name is required");
    }
    if (grpc.getEnvoyGrpc().hasRetryPolicy() || grpc.hasRetryPolicy()) {
      throw new ConfigException(
          grpcPath + (grpc.hasRetryPolicy() ? ".retry_policy" : ".envoy_grpc.retry_policy"),
          "retries of trace exports are not supported");
    }
    Duration timeout = DEFAULT_TIMEOUT;
    if (grpc.hasTimeout()) {
      com.google.protobuf.Duration d = grpc.getTimeout();
      if (d.getSeconds() < 0 || d.getNanos() < 0) {
        throw new ConfigException(grpcPath + ".timeout", "must not be negative");
      }
      Duration configured = Duration.ofSeconds(d.getSeconds(), d.getNanos());
      timeout = configured.isZero() ? DEFAULT_TIMEOUT : configured;
    }
    List<HeaderValue> metadata = new ArrayList<>();
    for (int i = 0; i < grpc.getInitialMetadataCount(); i++) {
      HeaderValue header = grpc.getInitialMetadata(i);
      String key = header.getKey().toLowerCase(Locale.ROOT);
      if (key.isEmpty() || key.startsWith(":") || key.endsWith("-bin")) {
        throw new ConfigException(
            grpcPath + ".initial_metadata[" + i + "].key",
            "must be a non-empty ASCII metadata key");
      }
      metadata.add(header.toBuilder().setKey(key).build());
    }
    return new OtlpExporterConfig(
        grpc.getEnvoyGrpc().getClusterName(),
        grpc.getEnvoyGrpc().getAuthority(),
        timeout,
        List.copyOf(metadata),
        proto.getServiceName().isEmpty() ? DEFAULT_SERVICE_NAME : proto.getServiceName());
  }
}
