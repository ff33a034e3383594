package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.route;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.api.ext.v1.ServiceIdentityTokenPerRoute;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.IdentityTokenPolicy;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class IdentityTokenTranslatorTest {

  private static final String ORDERS = "spiffe://attache.local/ns/default/sa/orders";
  private static final Sidecar WITH_APP =
      new Sidecar("0.0.0.0", 15001, "0.0.0.0", 15006, "127.0.0.1", 9102);
  private static final JwksEndpoint JWKS = new JwksEndpoint("10.0.0.2", 18080, Optional.empty());

  private final SnapshotTranslator translator = new SnapshotTranslator("attache.local", () -> JWKS);

  @Test
  void leavesEveryProxyAloneWhileTokensAreOff() throws Exception {
    PolicySnapshot policy = policy(BuiltInMeshDefaults.get());

    EnvoyResources caller = translator.translate(policy, attacheCaller());
    EnvoyResources callee = translator.translate(policy, callee(ClientKind.ATTACHE_PROXY));

    assertThat(filterNames(listener(caller, XdsNames.OUTBOUND_LISTENER)))
        .containsExactly(XdsNames.ROUTER_FILTER);
    assertThat(filterNames(listener(callee, XdsNames.INBOUND_LISTENER)))
        .containsExactly(XdsNames.ROUTER_FILTER);
    assertThat(callee.clusters())
        .extracting(Cluster::getName)
        .doesNotContain(XdsNames.JWKS_CLUSTER);
    assertThat(virtualHost(caller, "payments").getRoutes(0).getTypedPerFilterConfigMap()).isEmpty();
  }

  @Test
  void anAttacheCallerWithAnIdentityMintsForTheServiceEachRouteGoesTo() throws Exception {
    PolicySnapshot policy = policy(tokens("x-service-identity", 120));

    EnvoyResources caller = translator.translate(policy, attacheCaller());

    List<HttpFilter> filters =
        hcm(listener(caller, XdsNames.OUTBOUND_LISTENER)).getHttpFiltersList();
    assertThat(filters)
        .extracting(HttpFilter::getName)
        .containsExactly(XdsNames.SERVICE_IDENTITY_TOKEN_FILTER, XdsNames.ROUTER_FILTER);
    assertThat(filters.get(0).getTypedConfig().unpack(ServiceIdentityToken.class))
        .isEqualTo(
            envoy(
                """
                {"issuer": "spiffe://attache.local",
                 "subject": "spiffe://attache.local/ns/default/sa/orders",
                 "signing_key_sds_secret_name": "jwt-svid-signing-key",
                 "header": "x-service-identity", "lifetime": "120s"}""",
                ServiceIdentityToken.newBuilder()));
    VirtualHost payments = virtualHost(caller, "payments");
    assertThat(payments.getRoutesList())
        .extracting(io.envoyproxy.envoy.config.route.v3.Route::getName)
        .containsExactly("canary", "payments-default");
    assertThat(audience(payments.getRoutes(1).getTypedPerFilterConfigMap())).isEqualTo("payments");
    var splits = payments.getRoutes(0).getRoute().getWeightedClusters().getClustersList();
    assertThat(splits).hasSize(2);
    assertThat(audience(splits.get(0).getTypedPerFilterConfigMap())).isEqualTo("payments");
    assertThat(audience(splits.get(1).getTypedPerFilterConfigMap())).isEqualTo("payments-v2");
  }

  @Test
  void aStockEnvoyOrAnAttacheProxyWithoutAnIdentityMintsNothing() throws Exception {
    PolicySnapshot policy = policy(tokens("", 0));

    for (ProxyGroup group :
        List.of(
            new ProxyGroup("orders", ClientKind.PROXY, Sidecar.DEFAULT, ORDERS),
            new ProxyGroup("orders", ClientKind.ATTACHE_PROXY, Sidecar.DEFAULT),
            new ProxyGroup(
                "orders",
                ClientKind.ATTACHE_PROXY,
                Sidecar.DEFAULT,
                "spiffe://elsewhere.example/ns/default/sa/orders"))) {
      EnvoyResources caller = translator.translate(policy, group);
      assertThat(filterNames(listener(caller, XdsNames.OUTBOUND_LISTENER)))
          .as("%s", group)
          .containsExactly(XdsNames.ROUTER_FILTER);
      assertThat(virtualHost(caller, "payments").getRoutes(1).getTypedPerFilterConfigMap())
          .isEmpty();
    }
  }

  @Test
  void everySidecarInFrontOfAnAppVerifiesTokensBeforeItsAuthorizationFilters() throws Exception {
    PolicySnapshot policy = policy(tokens("", 0), allowOrdersByToken());

    for (ClientKind kind : List.of(ClientKind.PROXY, ClientKind.ATTACHE_PROXY)) {
      EnvoyResources callee = translator.translate(policy, callee(kind));
      List<HttpFilter> filters =
          hcm(listener(callee, XdsNames.INBOUND_LISTENER)).getHttpFiltersList();
      assertThat(filters)
          .extracting(HttpFilter::getName)
          .containsExactly(
              XdsNames.IDENTITY_TOKEN_AUTHN_FILTER, XdsNames.RBAC_FILTER, XdsNames.ROUTER_FILTER);
      assertThat(filters.get(0).getTypedConfig().unpack(JwtAuthentication.class))
          .isEqualTo(
              envoy(
                  """
                  {"providers": {"attache-identity-token": {
                     "issuer": "spiffe://attache.local",
                     "audiences": ["payments"],
                     "remote_jwks": {
                       "http_uri": {"uri": "http://10.0.0.2:18080/.well-known/jwks.json",
                                    "cluster": "attache|jwks", "timeout": "5s"},
                       "cache_duration": "60s"},
                     "from_headers": [{"name": "x-service-identity"}],
                     "forward": false,
                     "claim_to_headers": [{"header_name": "x-attache-caller", "claim_name": "sub"}],
                     "payload_in_metadata": "identity_token"}},
                   "rules": [{"match": {"prefix": "/"},
                              "requires": {"requires_any": {"requirements": [
                                {"provider_name": "attache-identity-token"},
                                {"allow_missing": {}}]}}}]}""",
                  JwtAuthentication.newBuilder()));
      Cluster jwks = cluster(callee, XdsNames.JWKS_CLUSTER);
      assertThat(jwks.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
      assertThat(jwks.getConnectTimeout().getSeconds()).isEqualTo(1);
      assertThat(
              jwks.getLoadAssignment()
                  .getEndpoints(0)
                  .getLbEndpoints(0)
                  .getEndpoint()
                  .getAddress()
                  .getSocketAddress())
          .satisfies(
              a -> {
                assertThat(a.getAddress()).isEqualTo("10.0.0.2");
                assertThat(a.getPortValue()).isEqualTo(18080);
              });
      assertThat(jwks.hasTransportSocket()).isFalse();
    }
  }

  @Test
  void readsABearerTokenFromAuthorizationWhenThePolicySaysSo() throws Exception {
    EnvoyResources callee =
        translator.translate(policy(tokens("authorization", 0)), callee(ClientKind.PROXY));

    JwtAuthentication authn =
        hcm(listener(callee, XdsNames.INBOUND_LISTENER))
            .getHttpFilters(0)
            .getTypedConfig()
            .unpack(JwtAuthentication.class);
    assertThat(authn.getProvidersOrThrow("attache-identity-token").getFromHeadersList())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.getName()).isEqualTo("authorization");
              assertThat(h.getValuePrefix()).isEqualTo("Bearer ");
            });
  }

  @Test
  void reachesANamedHttpsJwksThroughDnsAndTrustsTheApisCertificate() throws Exception {
    String pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    SnapshotTranslator https =
        new SnapshotTranslator(
            "attache.local",
            () -> JwksEndpoint.parse("control-plane.mesh:18443", Optional.of(pem)));

    EnvoyResources callee = https.translate(policy(tokens("", 0)), callee(ClientKind.PROXY));

    Cluster jwks = cluster(callee, XdsNames.JWKS_CLUSTER);
    assertThat(jwks.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    UpstreamTlsContext tls =
        jwks.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getSni()).isEqualTo("control-plane.mesh");
    assertThat(
            tls.getCommonTlsContext()
                .getValidationContext()
                .getTrustedCa()
                .getInlineBytes()
                .toStringUtf8())
        .isEqualTo(pem);
    assertThat(
            hcm(listener(callee, XdsNames.INBOUND_LISTENER))
                .getHttpFilters(0)
                .getTypedConfig()
                .unpack(JwtAuthentication.class)
                .getProvidersOrThrow("attache-identity-token")
                .getRemoteJwks()
                .getHttpUri()
                .getUri())
        .isEqualTo("https://control-plane.mesh:18443/.well-known/jwks.json");
  }

  @Test
  void namesCallersByTheSubjectOfTheirVerifiedTokenInRbacMetadataPrincipals() throws Exception {
    EnvoyResources callee =
        translator.translate(policy(tokens("", 0), allowOrdersByToken()), callee(ClientKind.PROXY));

    RBAC rbac =
        hcm(listener(callee, XdsNames.INBOUND_LISTENER))
            .getHttpFilters(1)
            .getTypedConfig()
            .unpack(RBAC.class);
    assertThat(rbac.getRules())
        .isEqualTo(
            envoy(
                """
                {"action": "ALLOW", "policies": {"orders-by-token.rules[0]": {
                  "principals": [
                    {"metadata": {"filter": "envoy.filters.http.jwt_authn",
                                  "path": [{"key": "identity_token"}, {"key": "sub"}],
                                  "value": {"string_match":
                                    {"exact": "spiffe://attache.local/ns/default/sa/orders"}}}},
                    {"metadata": {"filter": "envoy.filters.http.jwt_authn",
                                  "path": [{"key": "identity_token"}, {"key": "sub"}],
                                  "value": {"string_match": {"prefix": "spiffe://attache.local/ns/ops/"}}}}],
                  "permissions": [{"any": true}]}}}""",
                io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder()));
  }

  private static ProxyGroup attacheCaller() {
    return new ProxyGroup("orders", ClientKind.ATTACHE_PROXY, Sidecar.DEFAULT, ORDERS);
  }

  private static ProxyGroup callee(ClientKind kind) {
    return new ProxyGroup(
        "payments", kind, WITH_APP, "spiffe://attache.local/ns/default/sa/payments");
  }

  private static MeshDefaults tokens(String header, int lifetimeSeconds) {
    IdentityTokenPolicy.Builder token =
        IdentityTokenPolicy.newBuilder().setEnabled(BoolValue.of(true));
    if (!header.isEmpty()) {
      token.setHeader(header);
    }
    if (lifetimeSeconds > 0) {
      token.setLifetime(com.google.protobuf.Duration.newBuilder().setSeconds(lifetimeSeconds));
    }
    return BuiltInMeshDefaults.get().toBuilder().setIdentityToken(token).build();
  }

  private static Authorization allowOrdersByToken() throws InvalidProtocolBufferException {
    return envoy(
        """
        {"name": "orders-by-token", "target": "payments",
         "rules": [{"from": {"token_principals": [
             "spiffe://attache.local/ns/default/sa/orders", "spiffe://attache.local/ns/ops/*"]}}]}""",
        Authorization.newBuilder());
  }

  private static PolicySnapshot policy(MeshDefaults defaults, Authorization... authorizations) {
    TreeMap<String, Service> services = new TreeMap<>();
    services.put("payments", service("payments", 9001));
    services.put("payments-v2", service("payments-v2", 9002));
    TreeMap<String, Route> routes = new TreeMap<>();
    routes.put("canary", route("canary", "payments", "/charge", "payments", "payments-v2"));
    TreeMap<String, Authorization> byName = new TreeMap<>();
    for (Authorization authorization : authorizations) {
      byName.put(authorization.getName(), authorization);
    }
    return new PolicySnapshot(
        1,
        defaults,
        services,
        routes,
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        byName);
  }

  private static String audience(java.util.Map<String, com.google.protobuf.Any> perFilter)
      throws InvalidProtocolBufferException {
    return perFilter
        .get(XdsNames.SERVICE_IDENTITY_TOKEN_FILTER)
        .unpack(ServiceIdentityTokenPerRoute.class)
        .getAudience();
  }

  private static VirtualHost virtualHost(EnvoyResources resources, String name) {
    RouteConfiguration routes =
        resources.routes().stream()
            .filter(r -> r.getName().equals(XdsNames.OUTBOUND_ROUTE_CONFIG))
            .findFirst()
            .orElseThrow();
    return routes.getVirtualHostsList().stream()
        .filter(h -> h.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Cluster cluster(EnvoyResources resources, String name) {
    return resources.clusters().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Listener listener(EnvoyResources resources, String name) {
    return resources.listeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> filterNames(Listener listener) throws InvalidProtocolBufferException {
    return hcm(listener).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  private static HttpConnectionManager hcm(Listener listener)
      throws InvalidProtocolBufferException {
    return listener
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T envoy(String json, Message.Builder builder)
      throws InvalidProtocolBufferException {
    JsonFormat.parser().merge(json, builder);
    return (T) builder.build();
  }
}
