package io.attache.controlplane.translate;

import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

/**
 * Names shared by the translators so a listener's RDS reference and the route configuration agree
 * by construction. Constants only.
 */
public final class XdsNames {

  /** The one route configuration every outbound and API listener refers to. */
  public static final String OUTBOUND_ROUTE_CONFIG = "outbound";

  public static final String OUTBOUND_LISTENER = "outbound";

  /** A sidecar's listener in front of its own app, and its inline route configuration. */
  public static final String INBOUND_LISTENER = "inbound";

  public static final String INBOUND_ROUTE_CONFIG = "inbound";

  public static final String HTTP_CONNECTION_MANAGER =
      "envoy.filters.network.http_connection_manager";
  public static final String ROUTER_FILTER = "envoy.filters.http.router";
  public static final String FAULT_FILTER = "envoy.filters.http.fault";
  public static final String RBAC_FILTER = "envoy.filters.http.rbac";
  public static final String LOCAL_RATELIMIT_FILTER = "envoy.filters.http.local_ratelimit";
  public static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  public static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";
  public static final String OPENTELEMETRY_TRACER = "envoy.tracers.opentelemetry";

  /** Istio's clusters for intercepted connections no service owns. */
  public static final String PASSTHROUGH_CLUSTER = "PassthroughCluster";

  public static final String BLACKHOLE_CLUSTER = "BlackHoleCluster";

  /** Inbound connections to ports the sidecar does not front, to their original destination. */
  public static final String INBOUND_PASSTHROUGH_CLUSTER = "InboundPassthroughCluster";

  public static final String ORIGINAL_DST_LISTENER_FILTER = "envoy.filters.listener.original_dst";
  public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";

  /** SDS: the node's own certificate chain and key (Istio's name, so its tooling reads ours). */
  public static final String DEFAULT_SECRET = "default";

  /** SDS: the mesh trust bundle peers are validated against (Istio's name). */
  public static final String ROOTCA_SECRET = "ROOTCA";

  /**
   * SDS: the node identity's current JWT-SVID signing key, a generic_secret holding a private JWK.
   */
  public static final String JWT_SVID_SIGNING_KEY_SECRET = "jwt-svid-signing-key";

  /** The Attaché-only HTTP filter that mints the caller's JWT-SVID on outbound routes. */
  public static final String SERVICE_IDENTITY_TOKEN_FILTER =
      "attache.filters.http.service_identity_token";

  /**
   * The inbound envoy.filters.http.jwt_authn instance that verifies identity tokens: named apart
   * from any jwt_authn an operator configures, so per-route settings never reach the wrong one.
   */
  public static final String IDENTITY_TOKEN_AUTHN_FILTER =
      "envoy.filters.http.jwt_authn.identity_token";

  /** The cluster every sidecar that verifies identity tokens reaches the JWKS through. */
  public static final String JWKS_CLUSTER = "attache|jwks";

  private XdsNames() {}

  /** Everything is fetched over the same ADS stream. */
  public static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }
}
