package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.trace.v3.DatadogConfig;

/**
 * The {@code envoy.tracers.datadog} provider ({@code config.trace.v3.DatadogConfig}): the agent's
 * cluster, the {@code Host} of every report ({@code collector_hostname}, default the cluster name)
 * and the spans' {@code service} ({@code service_name}, default {@code envoy}). Immutable. {@code
 * remote_config} (the agent's Remote Configuration polling) is refused: it is not built, and
 * accepting it would silently run without it.
 */
public record DatadogTracerConfig(
    String collectorCluster, String collectorHostname, String service) {
  public static final String PROVIDER_NAME = "envoy.tracers.datadog";
  public static final String TYPE_URL = "type.googleapis.com/envoy.config.trace.v3.DatadogConfig";

  /** Envoy's service name when {@code service_name} is empty. */
  public static final String DEFAULT_SERVICE = "envoy";

  static DatadogTracerConfig from(Any typedConfig, String fieldPath) throws ConfigException {
    try {
      return from(typedConfig.unpack(DatadogConfig.class), fieldPath);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(fieldPath, "not a DatadogConfig: " + e.getMessage());
    }
  }

  public static DatadogTracerConfig from(DatadogConfig proto, String fieldPath)
      throws ConfigException {
    if (proto.getCollectorCluster().isEmpty()) {
      throw new ConfigException(
          fieldPath + ".collector_cluster", "the Datadog agent's cluster is required");
    }
    if (proto.hasRemoteConfig()) {
      throw new ConfigException(
          fieldPath + ".remote_config", "Datadog Remote Configuration is not supported");
    }
    return new DatadogTracerConfig(
        proto.getCollectorCluster(),
        proto.getCollectorHostname().isEmpty()
            ? proto.getCollectorCluster()
            : proto.getCollectorHostname(),
        proto.getServiceName().isEmpty() ? DEFAULT_SERVICE : proto.getServiceName());
  }
}
