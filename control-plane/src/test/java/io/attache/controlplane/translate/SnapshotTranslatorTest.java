package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.route;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.BreakerPolicy;
import io.attache.api.policy.v1.HashPolicy;
import io.attache.api.policy.v1.Protocol;
import io.attache.api.policy.v1.RetryPolicy;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotTranslatorTest {

  private static final ProxyGroup PROXIES = new ProxyGroup("web", ClientKind.PROXY);
  private static final ProxyGroup GRPC = new ProxyGroup("billing", ClientKind.PROXYLESS_GRPC);

  private final SnapshotTranslator translator = new SnapshotTranslator();

  @Test
  void buildsAnEdsClusterPerServiceWithTheBreakerDefaults() {
    EnvoyResources resources = translator.translate(policy(service("orders", 9001)), PROXIES);

    Cluster cluster = resources.clusters().get(0);
    assertThat(cluster.getName()).isEqualTo("orders");
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(cluster.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
    assertThat(cluster.getConnectTimeout()).isEqualTo(Duration.newBuilder().setSeconds(1).build());
    assertThat(cluster.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(5);
    assertThat(cluster.getOutlierDetection().getEnforcingConsecutive5Xx().getValue())
        .isEqualTo(100);
    // Envoy's success-rate defaults, written out for grpc-js (see ClusterTranslator).
    assertThat(cluster.getOutlierDetection().getEnforcingSuccessRate().getValue()).isEqualTo(100);
    assertThat(cluster.getOutlierDetection().getSuccessRateMinimumHosts().getValue()).isEqualTo(5);
    assertThat(cluster.getOutlierDetection().getSuccessRateRequestVolume().getValue())
        .isEqualTo(100);
    assertThat(cluster.getOutlierDetection().getSuccessRateStdevFactor().getValue())
        .isEqualTo(1900);
    assertThat(cluster.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isZero();
    assertThat(cluster.getTypedExtensionProtocolOptionsMap()).isEmpty();
  }

  @Test
  void serviceOverridesWinOverMeshDefaultsFieldByField() {
    Service tuned =
        service("orders", 9001).toBuilder()
            .setBreaker(BreakerPolicy.newBuilder().setConsecutiveFailures(UInt32Value.of(3)))
            .setProtocol(Protocol.GRPC)
            .build();

    Cluster cluster = translator.translate(policy(tuned), PROXIES).clusters().get(0);

    assertThat(cluster.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);
    assertThat(cluster.getOutlierDetection().getBaseEjectionTime().getSeconds()).isEqualTo(30);
    assertThat(cluster.getTypedExtensionProtocolOptionsMap())
        .containsKey(XdsNames.HTTP_PROTOCOL_OPTIONS);
  }

  @Test
  void assignsEndpointsToTheClusterOfTheirService() {
    EnvoyResources resources = translator.translate(policy(service("orders", 9001, 9002)), PROXIES);

    assertThat(resources.endpoints()).hasSize(1);
    assertThat(resources.endpoints().get(0).getClusterName()).isEqualTo("orders");
    assertThat(resources.endpoints().get(0).getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly(9001, 9002);
  }

  @Test
  void servesAServiceReachedByADnsNameAsAStrictDnsClusterWithNoEdsResource() {
    Service billing = dnsService("billing", "billing.internal");

    EnvoyResources resources = translator.translate(policy(billing), PROXIES);

    Cluster cluster = resources.clusters().get(0);
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(cluster.hasEdsClusterConfig()).isFalse();
    assertThat(cluster.getDnsLookupFamily()).isEqualTo(Cluster.DnsLookupFamily.V4_PREFERRED);
    assertThat(cluster.getLoadAssignment().getClusterName()).isEqualTo("billing");
    assertThat(
            cluster
                .getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress())
        .satisfies(
            address -> {
              assertThat(address.getAddress()).isEqualTo("billing.internal");
              assertThat(address.getPortValue()).isEqualTo(443);
            });
    assertThat(resources.endpoints()).isEmpty();
  }

  @Test
  void servesAServiceReachedByADnsNameToProxylessGrpcAsALogicalDnsCluster() {
    Service billing = dnsService("billing", "billing.internal");

    EnvoyResources resources = translator.translate(policy(billing), GRPC);

    Cluster cluster = resources.clusters().get(0);
    assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(cluster.getLoadAssignment().getEndpointsCount()).isEqualTo(1);
    assertThat(cluster.getLoadAssignment().getEndpoints(0).getLbEndpointsCount()).isEqualTo(1);
    assertThat(resources.endpoints()).isEmpty();
  }

  private static Service dnsService(String name, String host) {
    return Service.newBuilder()
        .setName(name)
        .setPort(8080)
        .addEndpoints(io.attache.api.policy.v1.Endpoint.newBuilder().setAddress(host).setPort(443))
        .build();
  }

  @Test
  void givesEachServiceAVirtualHostWithItsNameAndPortAsDomains() {
    RouteConfiguration config =
        translator
            .translate(policy(service("orders", 9001), service("users", 9002)), PROXIES)
            .routes()
            .get(0);

    assertThat(config.getName()).isEqualTo(XdsNames.OUTBOUND_ROUTE_CONFIG);
    assertThat(config.getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .containsExactly("orders", "users");
    assertThat(config.getVirtualHosts(0).getDomainsList()).containsExactly("orders", "orders:8080");
    assertThat(config.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo("orders");
  }

  @Test
  void encodesTheRealWorldRetryRuleWithStandardEnvoyFields() {
    io.envoyproxy.envoy.config.route.v3.RetryPolicy retry =
        translator
            .translate(policy(service("orders", 9001)), PROXIES)
            .routes()
            .get(0)
            .getVirtualHosts(0)
            .getRoutes(0)
            .getRoute()
            .getRetryPolicy();

    assertThat(retry.getRetryOn())
        .isEqualTo("connect-failure,refused-stream,reset,retriable-status-codes");
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(429, 503);
    assertThat(retry.getRetryBackOff().getBaseInterval().getNanos()).isEqualTo(25_000_000);
    assertThat(retry.getRetriableRequestHeadersList()).hasSize(2);
    assertThat(retry.getRetriableRequestHeaders(0).getName()).isEqualTo(":method");
    assertThat(retry.getRetriableRequestHeaders(0).getStringMatch().getSafeRegex().getRegex())
        .isEqualTo("GET|HEAD|OPTIONS|PUT|DELETE|TRACE");
    assertThat(retry.getRetriableRequestHeaders(1).getName()).isEqualTo("idempotency-key");
    assertThat(retry.getRetriableRequestHeaders(1).getPresentMatch()).isTrue();
  }

  @Test
  void placesPolicyRoutesBeforeTheCatchAllAndSplitsWeightedDestinations() {
    PolicySnapshot policy =
        policy(
            List.of(service("orders", 9001), service("orders-canary", 9002)),
            route("canary", "orders", "/api", "orders", "orders-canary"),
            route("exact", "orders", "/", "orders").toBuilder().setPathExact("/health").build());

    VirtualHost host = translator.translate(policy, PROXIES).routes().get(0).getVirtualHosts(0);

    assertThat(host.getRoutesList())
        .extracting(io.envoyproxy.envoy.config.route.v3.Route::getName)
        .containsExactly("exact", "canary", "orders-default");
    assertThat(host.getRoutes(1).getRoute().getWeightedClusters().getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
        .containsExactly("orders=50", "orders-canary=50");
  }

  @Test
  void givesARouteActionTheRoutesHashPolicyInOrder() {
    PolicySnapshot policy =
        policy(
            List.of(service("carts", 9001)),
            route("sticky", "carts", "/", "carts").toBuilder()
                .addHashPolicy(HashPolicy.newBuilder().setHeader("x-session").setTerminal(true))
                .addHashPolicy(HashPolicy.newBuilder().setHeader("x-user"))
                .build());

    VirtualHost host = translator.translate(policy, PROXIES).routes().get(0).getVirtualHosts(0);

    assertThat(host.getRoutes(0).getRoute().getHashPolicyList())
        .extracting(h -> h.getHeader().getHeaderName() + (h.getTerminal() ? "!" : ""))
        .containsExactly("x-session!", "x-user");
    assertThat(host.getRoutes(1).getRoute().getHashPolicyList())
        .as("the service's default route has none")
        .isEmpty();
  }

  @Test
  void routeRetryOverridesOnlyTheFieldsItSets() {
    PolicySnapshot policy =
        policy(
            List.of(service("orders", 9001)),
            route("api", "orders", "/api", "orders").toBuilder()
                .setRetry(RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(5)))
                .build());

    io.envoyproxy.envoy.config.route.v3.RetryPolicy retry =
        translator
            .translate(policy, PROXIES)
            .routes()
            .get(0)
            .getVirtualHosts(0)
            .getRoutes(0)
            .getRoute()
            .getRetryPolicy();

    assertThat(retry.getNumRetries().getValue()).isEqualTo(5);
    assertThat(retry.getRetriableStatusCodesList()).containsExactly(429, 503);
  }

  @Test
  void givesProxiesTheOutboundListenerWithRdsOverAdsAndRequestIds()
      throws InvalidProtocolBufferException {
    List<Listener> listeners =
        translator.translate(policy(service("orders", 9001)), PROXIES).listeners();

    assertThat(listeners).hasSize(1);
    Listener outbound = listeners.get(0);
    assertThat(outbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(15001);
    HttpConnectionManager hcm =
        outbound
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(XdsNames.OUTBOUND_ROUTE_CONFIG);
    assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(hcm.getGenerateRequestId().getValue()).isTrue();
    assertThat(hcm.getAlwaysSetRequestIdInResponse()).isTrue();
    assertThat(hcm.getHttpFiltersList())
        .extracting(f -> f.getName())
        .containsExactly(XdsNames.ROUTER_FILTER);
  }

  @Test
  void givesProxylessGrpcClientsAnApiListenerPerService() throws InvalidProtocolBufferException {
    List<Listener> listeners =
        translator
            .translate(policy(service("orders", 9001), service("users", 9002)), GRPC)
            .listeners();

    assertThat(listeners).extracting(Listener::getName).containsExactly("orders", "users");
    HttpConnectionManager hcm =
        listeners.get(0).getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(XdsNames.OUTBOUND_ROUTE_CONFIG);
  }

  @Test
  void recognisesProxylessGrpcNodesByUserAgent() {
    Node grpcNode = Node.newBuilder().setCluster("billing").setUserAgentName("gRPC Java").build();
    Node envoyNode = Node.newBuilder().setCluster("billing").setUserAgentName("envoy").build();

    assertThat(ProxyGroup.of(grpcNode)).isEqualTo(GRPC);
    assertThat(ProxyGroup.of(envoyNode).kind()).isEqualTo(ClientKind.PROXY);
  }

  @Test
  void translatesTheSamePolicyToTheSameVersions() {
    PolicySnapshot policy = policy(service("orders", 9001), service("users", 9002));

    EnvoyResources first = translator.translate(policy, PROXIES);
    EnvoyResources second =
        translator.translate(policy(service("users", 9002), service("orders", 9001)), PROXIES);

    assertThat(second).isEqualTo(first);
    assertThat(ResourceVersions.of(second.clusters().get(0)))
        .isEqualTo(ResourceVersions.of(first.clusters().get(0)));
  }

  @Test
  void changingOneServiceChangesOnlyItsOwnClusterVersion() {
    EnvoyResources before =
        translator.translate(policy(service("orders", 9001), service("users", 9002)), PROXIES);
    Service slower =
        service("users", 9002).toBuilder()
            .setConnectTimeout(Duration.newBuilder().setSeconds(3))
            .build();
    EnvoyResources after = translator.translate(policy(service("orders", 9001), slower), PROXIES);

    // The oracle is the resources themselves: the version follows protobuf equality.
    assertThat(after.clusters().get(0)).isEqualTo(before.clusters().get(0));
    assertThat(ResourceVersions.of(after.clusters().get(0)))
        .isEqualTo(ResourceVersions.of(before.clusters().get(0)));
    assertThat(after.clusters().get(1)).isNotEqualTo(before.clusters().get(1));
    assertThat(ResourceVersions.of(after.clusters().get(1)))
        .isNotEqualTo(ResourceVersions.of(before.clusters().get(1)));
    assertThat(after.listeners().get(0)).isEqualTo(before.listeners().get(0));
    assertThat(ResourceVersions.of(after.listeners().get(0)))
        .isEqualTo(ResourceVersions.of(before.listeners().get(0)));
  }

  @Test
  void servesRawResourcesNextToGeneratedOnes() {
    PolicySnapshot base = policy(service("orders", 9001));
    PolicySnapshot withRaw =
        new PolicySnapshot(
            base.revision(),
            base.defaults(),
            base.services(),
            base.routes(),
            new java.util.TreeMap<>(
                java.util.Map.of("legacy", Cluster.newBuilder().setName("legacy").build())),
            base.rawEndpoints(),
            base.rawRoutes(),
            base.rawListeners());

    assertThat(translator.translate(withRaw, PROXIES).clusters())
        .extracting(Cluster::getName)
        .containsExactly("legacy", "orders");
  }
}
