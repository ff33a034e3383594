package io.attache.dataplane.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.TypeRegistry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;

/**
 * The {@code typed_config} message types Attaché understands. A {@code google.protobuf.Any} whose
 * {@code @type} is not listed here is rejected at load time with the field path, because an
 * extension we cannot run must never be silently skipped.
 */
public final class SupportedTypes {
  private static final List<Descriptor> TYPES =
      List.of(
          Bootstrap.getDescriptor(),
          Listener.getDescriptor(),
          Cluster.getDescriptor(),
          ClusterLoadAssignment.getDescriptor(),
          RouteConfiguration.getDescriptor(),
          HttpConnectionManager.getDescriptor(),
          Router.getDescriptor(),
          FileAccessLog.getDescriptor(),
          StdoutAccessLog.getDescriptor(),
          StderrAccessLog.getDescriptor(),
          HttpProtocolOptions.getDescriptor(),
          io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor(),
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor(),
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor(),
          io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig.getDescriptor(),
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              .getDescriptor(),
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
              .getDescriptor(),
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor(),
          io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor());

  private static final TypeRegistry REGISTRY = TypeRegistry.newBuilder().add(TYPES).build();

  private SupportedTypes() {}

  /** Full names of the supported types, in registration order (for the docs). */
  public static java.util.List<String> names() {
    return TYPES.stream().map(Descriptor::getFullName).toList();
  }

  /** The registry for JsonFormat and {@code Any} unpacking. */
  public static TypeRegistry registry() {
    return REGISTRY;
  }

  /** Descriptor for a type URL such as {@code type.googleapis.com/envoy...}, or null if unknown. */
  public static Descriptor find(String typeUrl) {
    try {
      return REGISTRY.getDescriptorForTypeUrl(typeUrl);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return null;
    }
  }
}
