package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code envoy.tracers.opentelemetry} provider ({@code config.trace.v3.OpenTelemetryConfig}):
 * how exports reach the collector — OTLP/gRPC ({@code grpc_service.envoy_grpc}) or OTLP/HTTP
 * ({@code http_service}) — through which cluster (whose {@code transport_socket}, TLS or mTLS,
 * carries them), with which {@code :authority}, path, deadline and extra headers, and the {@code
 * service.name} resource attribute. Immutable. Refuses by field path what it cannot honour.
 *
 * @param protocol OTLP/gRPC or OTLP/HTTP
 * @param clusterName the collector cluster; its hosts, pools and transport socket are used
 * @param authority the {@code :authority} of every export
 * @param path the request path (the gRPC method path for OTLP/gRPC)
 * @param timeout the deadline of one export attempt
 * @param headers {@code initial_metadata} or {@code request_headers_to_add}, in order
 * @param clusterFieldPath where the cluster was named, for errors found later (e.g. the cluster
 *     cannot carry gRPC)
 */
public record OtlpExporterConfig(
    Protocol protocol,
    String clusterName,
    String authority,
    String path,
    Duration timeout,
    List<HeaderValue> headers,
    String serviceName,
    String clusterFieldPath) {
  public static final String PROVIDER_NAME = "envoy.tracers.opentelemetry";
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig";

  /** Envoy's default {@code service.name} when {@code service_name} is empty. */
  public static final String DEFAULT_SERVICE_NAME = "unknown_service:envoy";

  /** Envoy's gRPC async client has no deadline unless {@code timeout} is set; we bound it. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /** The path of {@code TraceService/Export}. */
  public static final String GRPC_EXPORT_PATH = "/" + OtlpTraceService.EXPORT.getFullMethodName();

  /** How spans are carried to the collector. */
  public enum Protocol {
    /** OTLP/gRPC: a unary {@code TraceService/Export} call over HTTP/2. */
    GRPC,
    /** OTLP/HTTP: a protobuf body POSTed with {@code content-type: application/x-protobuf}. */
    HTTP_PROTOBUF
  }

  public OtlpExporterConfig {
    headers = List.copyOf(headers);
  }

  /** An OTLP/gRPC exporter to {@code clusterName} (the authority defaults to the cluster name). */
  public static OtlpExporterConfig grpc(
      String clusterName,
      String authority,
      Duration timeout,
      List<HeaderValue> initialMetadata,
      String serviceName) {
    return new OtlpExporterConfig(
        Protocol.GRPC,
        clusterName,
        authority.isEmpty() ? clusterName : authority,
        GRPC_EXPORT_PATH,
        timeout,
        initialMetadata,
        serviceName,
        "grpc_service.envoy_grpc.cluster_name");
  }

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
    if (proto.getResourceDetectorsCount() > 0) {
      throw new ConfigException(
          fieldPath + ".resource_detectors", "resource detectors are not supported");
    }
    if (proto.hasSampler()) {
      throw new ConfigException(
          fieldPath + ".sampler",
          "OpenTelemetry samplers are not supported; use the HCM tracing sampling fields");
    }
    String serviceName =
        proto.getServiceName().isEmpty() ? DEFAULT_SERVICE_NAME : proto.getServiceName();
    if (proto.hasHttpService() && proto.hasGrpcService()) {
      throw new ConfigException(
          fieldPath + ".http_service", "set either grpc_service or http_service, not both");
    }
    if (proto.hasHttpService()) {
      return fromHttp(proto.getHttpService(), fieldPath + ".http_service", serviceName);
    }
    if (!proto.hasGrpcService()) {
      throw new ConfigException(
          fieldPath + ".grpc_service",
          "a grpc_service or http_service naming the collector cluster is required");
    }
    return fromGrpc(proto.getGrpcService(), fieldPath + ".grpc_service", serviceName);
  }

  private static OtlpExporterConfig fromGrpc(GrpcService grpc, String grpcPath, String serviceName)
      throws ConfigException {
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
      Duration configured = duration(grpc.getTimeout(), grpcPath + ".timeout");
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
    String clusterName = grpc.getEnvoyGrpc().getClusterName();
    return new OtlpExporterConfig(
        Protocol.GRPC,
        clusterName,
        grpc.getEnvoyGrpc().getAuthority().isEmpty()
            ? clusterName
            : grpc.getEnvoyGrpc().getAuthority(),
        GRPC_EXPORT_PATH,
        timeout,
        metadata,
        serviceName,
        grpcPath + ".envoy_grpc.cluster_name");
  }

  private static OtlpExporterConfig fromHttp(HttpService http, String httpPath, String serviceName)
      throws ConfigException {
    String uriPath = httpPath + ".http_uri";
    if (!http.hasHttpUri()) {
      throw new ConfigException(uriPath, "the collector's http_uri is required");
    }
    if (http.getHttpUri().getCluster().isEmpty()) {
      throw new ConfigException(uriPath + ".cluster", "the collector cluster name is required");
    }
    URI uri;
    try {
      uri = new URI(http.getHttpUri().getUri());
    } catch (URISyntaxException e) {
      throw new ConfigException(uriPath + ".uri", "not a URI: " + e.getMessage());
    }
    if (uri.getHost() == null || uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
      throw new ConfigException(
          uriPath + ".uri",
          "must be an absolute URI with a host and a path, e.g. http://h/v1/traces");
    }
    if (!http.getHttpUri().hasTimeout()) {
      throw new ConfigException(uriPath + ".timeout", "is required");
    }
    Duration timeout = duration(http.getHttpUri().getTimeout(), uriPath + ".timeout");
    if (timeout.isZero()) {
      throw new ConfigException(uriPath + ".timeout", "must be greater than zero");
    }
    String authority = uri.getRawAuthority();
    String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    List<HeaderValue> headers = new ArrayList<>();
    for (int i = 0; i < http.getRequestHeadersToAddCount(); i++) {
      String headerPath = httpPath + ".request_headers_to_add[" + i + "]";
      HeaderValueOption option = http.getRequestHeadersToAdd(i);
      if (option.getAppendAction() != HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
          || option.hasAppend()) {
        throw new ConfigException(
            headerPath + ".append_action",
            "only APPEND_IF_EXISTS_OR_ADD is supported on an export request");
      }
      HeaderValue header = option.getHeader();
      String key = header.getKey().toLowerCase(Locale.ROOT);
      if (key.isEmpty() || key.startsWith(":") || key.equals("host")) {
        throw new ConfigException(
            headerPath + ".header.key", "must be a non-empty, non-pseudo header name");
      }
      if (!header.getRawValue().isEmpty()) {
        throw new ConfigException(headerPath + ".header.raw_value", "is not supported; use value");
      }
      if (header.getValue().isEmpty() && !option.getKeepEmptyValue()) {
        continue; // Envoy drops empty values unless keep_empty_value
      }
      headers.add(header.toBuilder().setKey(key).build());
    }
    return new OtlpExporterConfig(
        Protocol.HTTP_PROTOBUF,
        http.getHttpUri().getCluster(),
        authority,
        path,
        timeout,
        headers,
        serviceName,
        uriPath + ".cluster");
  }

  private static Duration duration(com.google.protobuf.Duration d, String path)
      throws ConfigException {
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(path, "must not be negative");
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
