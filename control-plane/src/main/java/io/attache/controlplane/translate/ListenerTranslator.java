package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.RequestIdPolicy;
import io.attache.api.policy.v1.Service;
import io.attache.api.policy.v1.TracingPolicy;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;

/**
 * Policy → listeners for one node group. Proxies get the outbound listener on 0.0.0.0:15001;
 * proxyless gRPC clients get an API listener named after each service (the xds:/// target). Both
 * carry an HttpConnectionManager fetching route config "outbound" over ADS, with the mesh's
 * request-id and tracing settings. Pure.
 */
public final class ListenerTranslator {

  public List<Listener> translate(PolicySnapshot policy, ProxyGroup group) {
    HttpConnectionManager hcm = connectionManager(policy, group);
    List<Listener> listeners = new ArrayList<>();
    if (group.kind() == ClientKind.PROXYLESS_GRPC) {
      for (Service service : policy.services().values()) {
        listeners.add(
            Listener.newBuilder()
                .setName(service.getName())
                .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
                .build());
      }
      return listeners;
    }
    listeners.add(
        Listener.newBuilder()
            .setName(XdsNames.OUTBOUND_LISTENER)
            .setAddress(
                Address.newBuilder()
                    .setSocketAddress(
                        SocketAddress.newBuilder()
                            .setAddress("0.0.0.0")
                            .setPortValue(XdsNames.OUTBOUND_PORT)))
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        Filter.newBuilder()
                            .setName(XdsNames.HTTP_CONNECTION_MANAGER)
                            .setTypedConfig(Any.pack(hcm))))
            .build());
    return listeners;
  }

  private HttpConnectionManager connectionManager(PolicySnapshot policy, ProxyGroup group) {
    MeshDefaults defaults = policy.defaults();
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(XdsNames.OUTBOUND_LISTENER)
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(XdsNames.ads())
                    .setRouteConfigName(XdsNames.OUTBOUND_ROUTE_CONFIG));
    RequestIdPolicy requestId = defaults.getRequestId();
    if (requestId.hasGenerateRequestId()) {
      hcm.setGenerateRequestId(requestId.getGenerateRequestId());
    }
    hcm.setPreserveExternalRequestId(requestId.getPreserveExternalRequestId().getValue());
    hcm.setAlwaysSetRequestIdInResponse(requestId.getAlwaysSetRequestIdInResponse().getValue());
    TracingPolicy tracing = defaults.getTracing();
    if (!tracing.getCollectorService().isEmpty()) {
      hcm.setTracing(tracing(tracing, group));
    }
    if (RouteConfigurationTranslator.anyFault(policy)) {
      hcm.addHttpFilters(
          HttpFilter.newBuilder()
              .setName(XdsNames.FAULT_FILTER)
              .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())));
    }
    hcm.addHttpFilters(
        HttpFilter.newBuilder()
            .setName(XdsNames.ROUTER_FILTER)
            .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return hcm.build();
  }

  private static HttpConnectionManager.Tracing tracing(TracingPolicy tracing, ProxyGroup group) {
    String serviceName =
        tracing.getServiceName().isEmpty() ? group.cluster() : tracing.getServiceName();
    HttpConnectionManager.Tracing.Builder hcmTracing =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                Tracing.Http.newBuilder()
                    .setName(XdsNames.OPENTELEMETRY_TRACER)
                    .setTypedConfig(
                        Any.pack(
                            OpenTelemetryConfig.newBuilder()
                                .setGrpcService(
                                    GrpcService.newBuilder()
                                        .setEnvoyGrpc(
                                            GrpcService.EnvoyGrpc.newBuilder()
                                                .setClusterName(tracing.getCollectorService())))
                                .setServiceName(serviceName)
                                .build())));
    if (tracing.hasSamplingPercent()) {
      hcmTracing.setRandomSampling(
          Percent.newBuilder().setValue(tracing.getSamplingPercent().getValue()));
    }
    return hcmTracing.build();
  }
}
