package io.attache.dataplane.config;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.TypeRegistry;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Collection;
import java.util.List;

/**
 * The {@code typed_config} message types Attaché understands. A {@code google.protobuf.Any} whose
 * {@code @type} is not listed here is rejected at load time with the field path, because an
 * extension we cannot run must never be silently skipped.
 *
 * <p>A type's descriptor (and with it the generated classes of its whole proto file and every file
 * it imports) is loaded only when a config names that type: class metadata is most of a sidecar's
 * resident memory, so a proxy must never pay for extensions its config does not use. Keep {@link
 * #NAMES} and {@link #load} in step; {@code SupportedTypesTest} checks that they are.
 */
public final class SupportedTypes {
  /** Full names in registration order (for the docs); each has a case in {@link #load}. */
  static final List<String> NAMES =
      List.of(
          "envoy.config.bootstrap.v3.Bootstrap",
          "envoy.config.listener.v3.Listener",
          "envoy.config.cluster.v3.Cluster",
          "envoy.config.endpoint.v3.ClusterLoadAssignment",
          "envoy.config.route.v3.RouteConfiguration",
          "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          "envoy.extensions.filters.http.router.v3.Router",
          "envoy.extensions.access_loggers.file.v3.FileAccessLog",
          "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
          "envoy.extensions.access_loggers.stream.v3.StderrAccessLog",
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          "envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig",
          "envoy.extensions.filters.http.fault.v3.HTTPFault",
          "envoy.config.trace.v3.OpenTelemetryConfig",
          "envoy.config.trace.v3.ZipkinConfig",
          "envoy.config.trace.v3.SkyWalkingConfig",
          "envoy.config.trace.v3.DatadogConfig",
          "envoy.extensions.filters.http.rbac.v3.RBAC",
          "envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
          "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
          "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
          "envoy.extensions.transport_sockets.tls.v3.Secret",
          "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer",
          "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
          "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
          "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector",
          "envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
          "envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol",
          "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
          "envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
          "envoy.extensions.filters.http.cors.v3.Cors",
          "envoy.extensions.filters.http.cors.v3.CorsPolicy",
          "attache.ext.v1.ServiceIdentityToken",
          "attache.ext.v1.ServiceIdentityTokenPerRoute",
          "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
          "envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
          "envoy.extensions.filters.http.buffer.v3.Buffer",
          "envoy.extensions.filters.http.buffer.v3.BufferPerRoute",
          "envoy.extensions.filters.http.header_to_metadata.v3.Config",
          "envoy.extensions.filters.http.set_metadata.v3.Config",
          "envoy.extensions.filters.http.compressor.v3.Compressor",
          "envoy.extensions.filters.http.compressor.v3.CompressorPerRoute",
          "envoy.extensions.compression.gzip.compressor.v3.Gzip",
          "envoy.extensions.filters.http.decompressor.v3.Decompressor",
          "envoy.extensions.compression.gzip.decompressor.v3.Gzip",
          "envoy.extensions.compression.brotli.compressor.v3.Brotli",
          "envoy.extensions.compression.brotli.decompressor.v3.Brotli",
          "envoy.extensions.compression.zstd.compressor.v3.Zstd",
          "envoy.extensions.compression.zstd.decompressor.v3.Zstd",
          "envoy.extensions.filters.http.csrf.v3.CsrfPolicy",
          "envoy.extensions.filters.http.admission_control.v3.AdmissionControl",
          "envoy.extensions.filters.http.health_check.v3.HealthCheck",
          "envoy.extensions.filters.http.grpc_http1_bridge.v3.Config",
          "envoy.extensions.filters.http.cache.v3.CacheConfig",
          "envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig",
          "envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig",
          "envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute",
          "envoy.type.matcher.v3.HttpRequestHeaderMatchInput",
          "envoy.type.matcher.v3.HttpResponseHeaderMatchInput",
          "envoy.type.matcher.v3.HttpRequestTrailerMatchInput",
          "envoy.type.matcher.v3.HttpResponseTrailerMatchInput",
          "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput",
          "envoy.extensions.common.matching.v3.ExtensionWithMatcher",
          "envoy.extensions.filters.common.matcher.action.v3.SkipFilter",
          "envoy.extensions.filters.http.composite.v3.Composite",
          "envoy.extensions.filters.http.composite.v3.ExecuteFilterAction",
          "envoy.config.rbac.v3.Action",
          "envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput",
          "envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput",
          "envoy.extensions.matching.common_inputs.network.v3.SourceIPInput",
          "envoy.extensions.matching.common_inputs.network.v3.SourcePortInput",
          "envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput",
          "envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput",
          "envoy.extensions.matching.common_inputs.network.v3.ServerNameInput",
          "envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput",
          "envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput",
          "xds.type.matcher.v3.IPMatcher",
          "envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig",
          "envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig",
          "envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig",
          "envoy.extensions.filters.udp.udp_proxy.v3.Route");

  private SupportedTypes() {}

  /** Full names of the supported types, in registration order (for the docs). */
  public static List<String> names() {
    return NAMES;
  }

  /** A registry for JsonFormat and {@code Any} unpacking that holds just {@code types}. */
  public static TypeRegistry registryOf(Collection<Descriptor> types) {
    return TypeRegistry.newBuilder().add(types).build();
  }

  /**
   * Descriptor for a type URL such as {@code type.googleapis.com/envoy...}, or null if unknown.
   * Besides the listed types this has always resolved every message of their proto files and of the
   * files those import (that is what a {@link TypeRegistry} holds); a name outside the list still
   * does, through a registry of the whole set built on first need.
   */
  public static Descriptor find(String typeUrl) {
    int slash = typeUrl.lastIndexOf('/');
    if (slash < 0) {
      return null; // not a type URL; protobuf's registry rejects it too
    }
    Descriptor listed = load(typeUrl.substring(slash + 1));
    return listed != null ? listed : WholeSet.find(typeUrl);
  }

  /**
   * A switch rather than a map of descriptors: the JVM resolves a generated class only when its
   * case runs, so naming a type here costs nothing until a config uses it.
   */
  static Descriptor load(String fullName) {
    return switch (fullName) {
      case "envoy.config.bootstrap.v3.Bootstrap" -> Bootstrap.getDescriptor();
      case "envoy.config.listener.v3.Listener" -> Listener.getDescriptor();
      case "envoy.config.cluster.v3.Cluster" -> Cluster.getDescriptor();
      case "envoy.config.endpoint.v3.ClusterLoadAssignment" ->
          ClusterLoadAssignment.getDescriptor();
      case "envoy.config.route.v3.RouteConfiguration" -> RouteConfiguration.getDescriptor();
      case "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" ->
          HttpConnectionManager.getDescriptor();
      case "envoy.extensions.filters.http.router.v3.Router" -> Router.getDescriptor();
      case "envoy.extensions.access_loggers.file.v3.FileAccessLog" -> FileAccessLog.getDescriptor();
      case "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog" ->
          StdoutAccessLog.getDescriptor();
      case "envoy.extensions.access_loggers.stream.v3.StderrAccessLog" ->
          StderrAccessLog.getDescriptor();
      case "envoy.extensions.upstreams.http.v3.HttpProtocolOptions" ->
          HttpProtocolOptions.getDescriptor();
      case "envoy.extensions.http.header_formatters.preserve_case.v3.PreserveCaseFormatterConfig" ->
          io.envoyproxy.envoy.extensions.http.header_formatters.preserve_case.v3
              .PreserveCaseFormatterConfig.getDescriptor();
      case "envoy.extensions.filters.http.fault.v3.HTTPFault" -> HTTPFault.getDescriptor();
      case "envoy.config.trace.v3.OpenTelemetryConfig" -> OpenTelemetryConfig.getDescriptor();
      case "envoy.config.trace.v3.ZipkinConfig" ->
          io.envoyproxy.envoy.config.trace.v3.ZipkinConfig.getDescriptor();
      case "envoy.config.trace.v3.SkyWalkingConfig" ->
          io.envoyproxy.envoy.config.trace.v3.SkyWalkingConfig.getDescriptor();
      case "envoy.config.trace.v3.DatadogConfig" ->
          io.envoyproxy.envoy.config.trace.v3.DatadogConfig.getDescriptor();
      case "envoy.extensions.filters.http.rbac.v3.RBAC" ->
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor();
      case "envoy.extensions.filters.http.rbac.v3.RBACPerRoute" ->
          io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBACPerRoute.getDescriptor();
      case "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit" ->
          io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              .getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext" ->
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              .getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext" ->
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
              .getDescriptor();
      case "envoy.extensions.transport_sockets.tls.v3.Secret" ->
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.getDescriptor();
      case "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer" ->
          io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer.getDescriptor();
      case "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy" ->
          io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.getDescriptor();
      case "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" ->
          io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
              .getDescriptor();
      case "envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol" ->
          io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol
              .getDescriptor();
      case "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector" ->
          io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector
              .getDescriptor();
      case "envoy.extensions.filters.listener.original_dst.v3.OriginalDst" ->
          io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst
              .getDescriptor();
      case "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication" ->
          io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              .getDescriptor();
      case "envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig" ->
          io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig.getDescriptor();
      case "envoy.extensions.filters.http.cors.v3.Cors" ->
          io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDescriptor();
      case "envoy.extensions.filters.http.buffer.v3.Buffer" ->
          io.envoyproxy.envoy.extensions.filters.http.buffer.v3.Buffer.getDescriptor();
      case "envoy.extensions.filters.http.buffer.v3.BufferPerRoute" ->
          io.envoyproxy.envoy.extensions.filters.http.buffer.v3.BufferPerRoute.getDescriptor();
      case "envoy.extensions.filters.http.header_to_metadata.v3.Config" ->
          io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config.getDescriptor();
      case "envoy.extensions.filters.http.set_metadata.v3.Config" ->
          io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Config.getDescriptor();
      case "envoy.extensions.filters.http.compressor.v3.Compressor" ->
          io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.getDescriptor();
      case "envoy.extensions.filters.http.compressor.v3.CompressorPerRoute" ->
          io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorPerRoute
              .getDescriptor();
      case "envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig" ->
          io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig.getDescriptor();
      case "envoy.extensions.filters.udp.udp_proxy.v3.Route" ->
          io.envoyproxy.envoy.extensions.filters.udp.udp_proxy.v3.Route.getDescriptor();
      case "envoy.type.matcher.v3.HttpRequestHeaderMatchInput" ->
          io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput.getDescriptor();
      case "envoy.type.matcher.v3.HttpResponseHeaderMatchInput" ->
          io.envoyproxy.envoy.type.matcher.v3.HttpResponseHeaderMatchInput.getDescriptor();
      case "envoy.type.matcher.v3.HttpRequestTrailerMatchInput" ->
          io.envoyproxy.envoy.type.matcher.v3.HttpRequestTrailerMatchInput.getDescriptor();
      case "envoy.type.matcher.v3.HttpResponseTrailerMatchInput" ->
          io.envoyproxy.envoy.type.matcher.v3.HttpResponseTrailerMatchInput.getDescriptor();
      case "envoy.type.matcher.v3.HttpRequestQueryParamMatchInput" ->
          io.envoyproxy.envoy.type.matcher.v3.HttpRequestQueryParamMatchInput.getDescriptor();
      case "envoy.extensions.compression.gzip.compressor.v3.Gzip" ->
          io.envoyproxy.envoy.extensions.compression.gzip.compressor.v3.Gzip.getDescriptor();
      case "envoy.extensions.filters.http.decompressor.v3.Decompressor" ->
          io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor.getDescriptor();
      case "envoy.extensions.compression.gzip.decompressor.v3.Gzip" ->
          io.envoyproxy.envoy.extensions.compression.gzip.decompressor.v3.Gzip.getDescriptor();
      case "envoy.extensions.compression.brotli.compressor.v3.Brotli" ->
          io.envoyproxy.envoy.extensions.compression.brotli.compressor.v3.Brotli.getDescriptor();
      case "envoy.extensions.compression.brotli.decompressor.v3.Brotli" ->
          io.envoyproxy.envoy.extensions.compression.brotli.decompressor.v3.Brotli.getDescriptor();
      case "envoy.extensions.compression.zstd.compressor.v3.Zstd" ->
          io.envoyproxy.envoy.extensions.compression.zstd.compressor.v3.Zstd.getDescriptor();
      case "envoy.extensions.compression.zstd.decompressor.v3.Zstd" ->
          io.envoyproxy.envoy.extensions.compression.zstd.decompressor.v3.Zstd.getDescriptor();
      case "envoy.extensions.filters.http.csrf.v3.CsrfPolicy" ->
          io.envoyproxy.envoy.extensions.filters.http.csrf.v3.CsrfPolicy.getDescriptor();
      case "envoy.extensions.filters.http.admission_control.v3.AdmissionControl" ->
          io.envoyproxy.envoy.extensions.filters.http.admission_control.v3.AdmissionControl
              .getDescriptor();
      case "envoy.extensions.filters.http.health_check.v3.HealthCheck" ->
          io.envoyproxy.envoy.extensions.filters.http.health_check.v3.HealthCheck.getDescriptor();
      case "envoy.extensions.filters.http.grpc_http1_bridge.v3.Config" ->
          io.envoyproxy.envoy.extensions.filters.http.grpc_http1_bridge.v3.Config.getDescriptor();
      case "envoy.extensions.filters.http.cache.v3.CacheConfig" ->
          io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig.getDescriptor();
      case "envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig" ->
          io.envoyproxy.envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
              .getDescriptor();
      case "envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig" ->
          io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig
              .getDescriptor();
      case "envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute" ->
          io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3
              .FilterConfigPerRoute.getDescriptor();
      case "envoy.extensions.filters.http.cors.v3.CorsPolicy" ->
          io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy.getDescriptor();
      case "attache.ext.v1.ServiceIdentityToken" ->
          io.attache.api.ext.v1.ServiceIdentityToken.getDescriptor();
      case "attache.ext.v1.ServiceIdentityTokenPerRoute" ->
          io.attache.api.ext.v1.ServiceIdentityTokenPerRoute.getDescriptor();
      case "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz" ->
          io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz.getDescriptor();
      case "envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute" ->
          io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute.getDescriptor();
      case "envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig" ->
          io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
              .getDescriptor();
      case "envoy.extensions.resource_monitors.downstream_connections.v3"
              + ".DownstreamConnectionsConfig" ->
          io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3
              .DownstreamConnectionsConfig.getDescriptor();
      case "envoy.extensions.common.matching.v3.ExtensionWithMatcher" ->
          io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher.getDescriptor();
      case "envoy.extensions.filters.common.matcher.action.v3.SkipFilter" ->
          io.envoyproxy.envoy.extensions.filters.common.matcher.action.v3.SkipFilter
              .getDescriptor();
      case "envoy.extensions.filters.http.composite.v3.Composite" ->
          io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite.getDescriptor();
      case "envoy.extensions.filters.http.composite.v3.ExecuteFilterAction" ->
          io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
              .getDescriptor();
      case "envoy.config.rbac.v3.Action" ->
          io.envoyproxy.envoy.config.rbac.v3.Action.getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.SourceIPInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.SourcePortInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourcePortInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.SourceTypeInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.ServerNameInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ServerNameInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.TransportProtocolInput
              .getDescriptor();
      case "envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput" ->
          io.envoyproxy.envoy.extensions.matching.common_inputs.network.v3.ApplicationProtocolInput
              .getDescriptor();
      case "xds.type.matcher.v3.IPMatcher" ->
          com.github.xds.type.matcher.v3.IPMatcher.getDescriptor();
      default -> null;
    };
  }

  /** Holder: the registry of every listed type, loaded only for a name outside the list. */
  private static final class WholeSet {
    static final TypeRegistry REGISTRY =
        registryOf(NAMES.stream().map(SupportedTypes::load).toList());

    static Descriptor find(String typeUrl) {
      try {
        return REGISTRY.getDescriptorForTypeUrl(typeUrl);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        return null;
      }
    }
  }
}
