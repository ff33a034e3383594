package io.attache.dataplane.admin;

import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.SupportedTypes;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;

/**
 * The type registry {@code /config_dump} needs to print {@code Any}s: the admin dump messages and
 * the extension configs Attaché accepts. Adding a descriptor adds its whole file and dependencies.
 */
public final class ConfigDumpTypes {
  private ConfigDumpTypes() {}

  /**
   * A builder already holding the dump types and every type the proxy accepts in a {@code
   * typed_config} ({@link SupportedTypes}), so that whatever config was accepted prints: a type
   * missing here made {@code /config_dump} answer 500. Add your own.
   */
  public static JsonFormat.TypeRegistry.Builder envoyDefaultsBuilder() {
    JsonFormat.TypeRegistry.Builder registry = JsonFormat.TypeRegistry.newBuilder();
    for (String name : SupportedTypes.names()) {
      registry.add(SupportedTypes.find("type.googleapis.com/" + name));
    }
    return registry
        .add(BootstrapConfigDump.getDescriptor())
        .add(ClustersConfigDump.getDescriptor())
        .add(ListenersConfigDump.getDescriptor())
        .add(RoutesConfigDump.getDescriptor())
        .add(EndpointsConfigDump.getDescriptor())
        .add(SecretsConfigDump.getDescriptor())
        .add(HttpConnectionManager.getDescriptor())
        .add(Router.getDescriptor())
        .add(FileAccessLog.getDescriptor())
        .add(StdoutAccessLog.getDescriptor())
        .add(DownstreamTlsContext.getDescriptor());
  }

  /** Built once per process: loading these descriptors is the slow part. */
  public static JsonFormat.TypeRegistry envoyDefaults() {
    return Defaults.REGISTRY;
  }

  private static final class Defaults {
    static final JsonFormat.TypeRegistry REGISTRY = envoyDefaultsBuilder().build();
  }
}
