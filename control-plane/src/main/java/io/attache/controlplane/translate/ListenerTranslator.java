package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.MutualTls;
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
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Policy → listeners for one node group. Proxies get the outbound listener (0.0.0.0:15001 unless
 * the node's metadata says otherwise, see {@link Sidecar}) and, when they declare their app's port,
 * the inbound listener in front of it (with the RBAC filters of the authorization policies that
 * target the node's cluster, see {@link AuthorizationTranslator}, and the local rate limits of its
 * service and routes, see {@link RateLimitTranslator}); proxyless gRPC clients get an API listener
 * named after each service (the xds:/// target). Outbound and API listeners fetch route config
 * "outbound" over ADS; all carry the mesh's request-id and tracing settings. Pure.
 */
public final class ListenerTranslator {

  private final AuthorizationTranslator authorizations = new AuthorizationTranslator();
  private final RateLimitTranslator rateLimits = new RateLimitTranslator();

  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  static final String INBOUND_MTLS_CHAIN = "inbound-mtls";
  static final String INBOUND_PLAINTEXT_CHAIN = "inbound-plaintext";

  private final String trustDomain;
  private final IdentityTokenTranslator identityTokens;

  public ListenerTranslator() {
    this(SnapshotTranslator.DEFAULT_TRUST_DOMAIN, () -> JwksEndpoint.LOCAL);
  }

  /**
   * {@code trustDomain}: the SPIFFE trust domain mesh peers must belong to under mTLS, and the
   * issuer of their identity tokens; {@code jwks}: where verifiers fetch the tokens' keys.
   */
  public ListenerTranslator(String trustDomain, Supplier<JwksEndpoint> jwks) {
    this.trustDomain = trustDomain;
    this.identityTokens = new IdentityTokenTranslator(trustDomain, jwks);
  }

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
    Sidecar sidecar = group.sidecar();
    if (sidecar.intercepted()) {
      listeners.add(TransparentLayout.outbound(policy, sidecar, connectionManagerFilter(hcm)));
      if (sidecar.hasApp()) {
        listeners.add(
            TransparentLayout.inbound(inbound(policy, group), sidecar, policy.defaults()));
      }
      return listeners;
    }
    listeners.add(
        listener(
            XdsNames.OUTBOUND_LISTENER, sidecar.outboundAddress(), sidecar.outboundPort(), hcm));
    if (sidecar.hasApp()) {
      listeners.add(inbound(policy, group));
    }
    return listeners;
  }

  /**
   * The inbound listener, by the mesh's mTLS mode: plaintext (DISABLED); one chain that requires a
   * mesh client certificate (STRICT); or Envoy's permissive pattern — tls_inspector, a chain for
   * transport_protocol "tls" with mutual TLS and one for "raw_buffer" in the clear (PERMISSIVE).
   * Under mTLS the app learns the caller's SPIFFE ID from x-forwarded-client-cert, which the proxy
   * sets (SANITIZE_SET) so a caller can never forge it.
   */
  private Listener inbound(PolicySnapshot policy, ProxyGroup group) {
    Sidecar sidecar = group.sidecar();
    MutualTls.Mode mode = policy.defaults().getMtls().getMode();
    if (mode != MutualTls.Mode.PERMISSIVE && mode != MutualTls.Mode.STRICT) {
      return listener(
          XdsNames.INBOUND_LISTENER,
          sidecar.inboundAddress(),
          sidecar.inboundPort(),
          inboundConnectionManager(policy, group, false));
    }
    HttpConnectionManager hcm = inboundConnectionManager(policy, group, true);
    Listener.Builder listener =
        listener(XdsNames.INBOUND_LISTENER, sidecar.inboundAddress(), sidecar.inboundPort(), hcm)
            .toBuilder()
            .clearFilterChains();
    FilterChain.Builder mtls =
        chain(hcm).setName(INBOUND_MTLS_CHAIN).setTransportSocket(MeshTls.downstream(trustDomain));
    if (mode == MutualTls.Mode.STRICT) {
      return listener.addFilterChains(mtls).build();
    }
    return listener
        .addListenerFilters(
            ListenerFilter.newBuilder()
                .setName(TLS_INSPECTOR)
                .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())))
        .addFilterChains(
            mtls.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls")))
        .addFilterChains(
            chain(hcm)
                .setName(INBOUND_PLAINTEXT_CHAIN)
                .setFilterChainMatch(
                    FilterChainMatch.newBuilder().setTransportProtocol("raw_buffer")))
        .build();
  }

  private static FilterChain.Builder chain(HttpConnectionManager hcm) {
    return FilterChain.newBuilder().addFilters(connectionManagerFilter(hcm));
  }

  private static Filter connectionManagerFilter(HttpConnectionManager hcm) {
    return Filter.newBuilder()
        .setName(XdsNames.HTTP_CONNECTION_MANAGER)
        .setTypedConfig(Any.pack(hcm))
        .build();
  }

  private static Listener listener(
      String name, String address, int port, HttpConnectionManager hcm) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress(address).setPortValue(port)))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName(XdsNames.HTTP_CONNECTION_MANAGER)
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /**
   * The inbound side of a sidecar: everything that reaches it goes to the local app. Its route has
   * no timeout and no retry — the caller's outbound proxy owns those, as in Istio — and its route
   * configuration is inline, because it depends on this node alone.
   */
  private HttpConnectionManager inboundConnectionManager(
      PolicySnapshot policy, ProxyGroup group, boolean mutualTls) {
    String appCluster = group.sidecar().appClusterName();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(XdsNames.INBOUND_ROUTE_CONFIG)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(XdsNames.INBOUND_LISTENER)
                    .addDomains("*")
                    // A rate-limited service's routes come first, carrying their own limits.
                    .addAllRoutes(rateLimits.inboundRoutes(policy, group.cluster(), appCluster))
                    .addRoutes(
                        Route.newBuilder()
                            .setName(XdsNames.INBOUND_LISTENER)
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(
                                RouteAction.newBuilder()
                                    .setCluster(appCluster)
                                    .setTimeout(Duration.getDefaultInstance()))))
            .build();
    HttpConnectionManager.Builder hcm =
        common(policy, group, XdsNames.INBOUND_LISTENER).setRouteConfig(routes);
    if (identityTokens.verifies(policy, group)) {
      // First: RBAC's token_principals read what it verified, and no later filter may see a
      // caller header the caller wrote itself.
      hcm.addHttpFilters(identityTokens.verifyingFilter(policy, group));
    }
    hcm
        // Authorization policies guard the app, so their RBAC filters sit on the inbound side
        // only, before the router.
        .addAllHttpFilters(authorizations.inboundFilters(policy, group.cluster()))
        // Rate limits after RBAC: a refused caller must not spend the allowed callers' tokens.
        .addAllHttpFilters(rateLimits.inboundFilter(policy, group.cluster()).stream().toList())
        // Their path rules must see the path the app will get, or //admin, /./admin and
        // /a/..%2Fadmin slip past a rule on /admin (Envoy normalises nothing by default):
        // Envoy's edge settings, as Istio normalises paths for its authorization policies.
        .setNormalizePath(BoolValue.of(true))
        .setMergeSlashes(true)
        .setPathWithEscapedSlashesAction(
            HttpConnectionManager.PathWithEscapedSlashesAction.UNESCAPE_AND_REDIRECT);
    if (mutualTls) {
      hcm.setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.SANITIZE_SET)
          .setSetCurrentClientCertDetails(
              HttpConnectionManager.SetCurrentClientCertDetails.newBuilder().setUri(true));
    }
    return withRouterLast(hcm, false);
  }

  private HttpConnectionManager connectionManager(PolicySnapshot policy, ProxyGroup group) {
    HttpConnectionManager.Builder hcm =
        common(policy, group, XdsNames.OUTBOUND_LISTENER)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(XdsNames.ads())
                    .setRouteConfigName(XdsNames.OUTBOUND_ROUTE_CONFIG));
    if (identityTokens.mints(policy, group)) {
      hcm.addHttpFilters(identityTokens.mintingFilter(policy, group));
    }
    return withRouterLast(hcm, RouteConfigurationTranslator.anyFault(policy));
  }

  /** What both directions share: codec, the mesh's request-id and tracing settings. */
  private static HttpConnectionManager.Builder common(
      PolicySnapshot policy, ProxyGroup group, String statPrefix) {
    MeshDefaults defaults = policy.defaults();
    HttpConnectionManager.Builder hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(statPrefix)
            .setCodecType(HttpConnectionManager.CodecType.AUTO);
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
    return hcm;
  }

  private static HttpConnectionManager withRouterLast(
      HttpConnectionManager.Builder hcm, boolean withFault) {
    if (withFault) {
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
