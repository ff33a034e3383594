package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.trace.v3.ClientConfig;
import io.envoyproxy.envoy.config.trace.v3.SkyWalkingConfig;
import java.time.Duration;

/**
 * The {@code envoy.tracers.skywalking} provider ({@code config.trace.v3.SkyWalkingConfig}): the OAP
 * collector's gRPC service (a cluster by {@code envoy_grpc}, its {@code :authority} and deadline)
 * and the {@code client_config} naming the proxy to SkyWalking (service, instance, backend token)
 * and bounding the segments cached while no report can be made. Immutable. Refuses by field path
 * what it cannot honour; it must never accept a setting it would silently run differently.
 *
 * @param serviceName {@code client_config.service_name}; empty means Envoy's default, the node's
 *     cluster or {@code EnvoyProxy} ({@link #withNodeDefaults})
 * @param instanceName {@code client_config.instance_name}; empty means the node id or {@code
 *     EnvoyProxy}
 * @param maxCacheSize {@code client_config.max_cache_size} (1024): segments kept while no report
 *     can be made; the oldest is dropped beyond it
 * @param backendToken {@code client_config.backend_token}, sent as the {@code authentication}
 *     metadata when set
 * @param clusterFieldPath where the cluster was named, for errors found later
 */
public record SkyWalkingTracerConfig(
    String clusterName,
    String authority,
    Duration timeout,
    String serviceName,
    String instanceName,
    int maxCacheSize,
    String backendToken,
    String clusterFieldPath) {
  public static final String PROVIDER_NAME = "envoy.tracers.skywalking";
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.config.trace.v3.SkyWalkingConfig";

  /** Envoy's service and instance name when neither the config nor the node gives one. */
  public static final String DEFAULT_SERVICE_AND_INSTANCE = "EnvoyProxy";

  /** Envoy's {@code DEFAULT_DELAYED_SEGMENTS_CACHE_SIZE}. */
  public static final int DEFAULT_MAX_CACHE_SIZE = 1024;

  static SkyWalkingTracerConfig from(Any typedConfig, String fieldPath) throws ConfigException {
    try {
      return from(typedConfig.unpack(SkyWalkingConfig.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not a SkyWalkingConfig: " + e.getMessage());
    }
  }

  public static SkyWalkingTracerConfig from(SkyWalkingConfig proto, String fieldPath)
      throws ConfigException {
    String grpcPath = fieldPath + ".grpc_service";
    if (!proto.hasGrpcService()) {
      throw new ConfigException(
          grpcPath, "the SkyWalking OAP collector's grpc_service is required");
    }
    GrpcService grpc = proto.getGrpcService();
    if (grpc.hasGoogleGrpc()) {
      throw new ConfigException(
          grpcPath + ".google_grpc", "only envoy_grpc (a cluster) is supported");
    }
    if (!grpc.hasEnvoyGrpc() || grpc.getEnvoyGrpc().getClusterName().isEmpty()) {
      throw new ConfigException(
          grpcPath + ".envoy_grpc.cluster_name", "the OAP collector cluster name is required");
    }
    if (grpc.getEnvoyGrpc().hasRetryPolicy() || grpc.hasRetryPolicy()) {
      throw new ConfigException(
          grpcPath + (grpc.hasRetryPolicy() ? ".retry_policy" : ".envoy_grpc.retry_policy"),
          "retry policies on the segment report stream are not supported");
    }
    if (grpc.getInitialMetadataCount() > 0) {
      throw new ConfigException(
          grpcPath + ".initial_metadata",
          "extra metadata on the segment report stream is not supported; the backend token is"
              + " client_config.backend_token");
    }
    if (grpc.getEnvoyGrpc().hasMaxReceiveMessageLength()) {
      throw new ConfigException(
          grpcPath + ".envoy_grpc.max_receive_message_length", "is not supported");
    }
    Duration timeout = OtlpExporterConfig.DEFAULT_TIMEOUT;
    if (grpc.hasTimeout()) {
      com.google.protobuf.Duration d = grpc.getTimeout();
      if (d.getSeconds() < 0 || d.getNanos() < 0) {
        throw new ConfigException(grpcPath + ".timeout", "must not be negative");
      }
      Duration configured = Duration.ofSeconds(d.getSeconds(), d.getNanos());
      timeout = configured.isZero() ? OtlpExporterConfig.DEFAULT_TIMEOUT : configured;
    }
    ClientConfig client = proto.getClientConfig();
    int maxCache = DEFAULT_MAX_CACHE_SIZE;
    if (client.hasMaxCacheSize()) {
      maxCache = client.getMaxCacheSize().getValue();
    }
    String cluster = grpc.getEnvoyGrpc().getClusterName();
    return new SkyWalkingTracerConfig(
        cluster,
        grpc.getEnvoyGrpc().getAuthority().isEmpty() ? cluster : grpc.getEnvoyGrpc().getAuthority(),
        timeout,
        client.getServiceName(),
        client.getInstanceName(),
        maxCache,
        client.getBackendToken(),
        grpcPath + ".envoy_grpc.cluster_name");
  }

  /**
   * This config with Envoy's defaults filled in: the service name from the node's cluster, the
   * instance name from the node id, else {@code EnvoyProxy}.
   */
  public SkyWalkingTracerConfig withNodeDefaults(String nodeCluster, String nodeId) {
    return new SkyWalkingTracerConfig(
        clusterName,
        authority,
        timeout,
        firstNonEmpty(serviceName, nodeCluster),
        firstNonEmpty(instanceName, nodeId),
        maxCacheSize,
        backendToken,
        clusterFieldPath);
  }

  private static String firstNonEmpty(String configured, String fromNode) {
    if (!configured.isEmpty()) {
      return configured;
    }
    return fromNode == null || fromNode.isEmpty() ? DEFAULT_SERVICE_AND_INSTANCE : fromNode;
  }
}
