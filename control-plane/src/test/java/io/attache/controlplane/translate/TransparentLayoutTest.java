package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.MutualTls;
import io.attache.api.policy.v1.OutboundTrafficPolicy;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.testing.Policies;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class TransparentLayoutTest {

  private final SnapshotTranslator translator = new SnapshotTranslator();

  private static final Service PAYMENTS =
      service("payments", 9001).toBuilder().addAddresses("10.96.0.20").build();
  private static final Service ORDERS =
      Service.newBuilder()
          .setName("orders")
          .setPort(80)
          .addAddresses("10.96.0.10")
          .addEndpoints(
              io.attache.api.policy.v1.Endpoint.newBuilder().setAddress("10.1.0.7").setPort(8080))
          .build();

  @Test
  void anInterceptedNodeGetsOneOutboundListenerThatMatchesServicesByOriginalDestination()
      throws InvalidProtocolBufferException {
    EnvoyResources resources = translator.translate(policy(d -> d, ORDERS, PAYMENTS), redirect());

    Listener outbound = listener(resources, XdsNames.OUTBOUND_LISTENER);
    assertThat(outbound.getListenerFiltersList())
        .extracting(ListenerFilter::getName)
        .containsExactly(XdsNames.ORIGINAL_DST_LISTENER_FILTER);
    assertThat(outbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(15001);
    assertThat(outbound.hasTransparent()).as("REDIRECT needs no IP_TRANSPARENT").isFalse();
    assertThat(outbound.getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly("outbound|80", "outbound|8080", "outbound|9001");
    FilterChain port80 = outbound.getFilterChains(0);
    assertThat(port80.getFilterChainMatch().getDestinationPort().getValue()).isEqualTo(80);
    assertThat(port80.getFilterChainMatch().getPrefixRangesList())
        .extracting(CidrRange::getAddressPrefix)
        .containsExactly("10.96.0.10");
    assertThat(port80.getFilterChainMatch().getPrefixRanges(0).getPrefixLen().getValue())
        .isEqualTo(32);
    assertThat(port80.getFilters(0).getName()).isEqualTo(XdsNames.HTTP_CONNECTION_MANAGER);
    FilterChain port8080 = outbound.getFilterChains(1);
    assertThat(port8080.getFilterChainMatch().getPrefixRangesList())
        .as("an endpoint dialled directly, on its own port, and a VIP on the service's port")
        .extracting(CidrRange::getAddressPrefix)
        .containsExactly("10.1.0.7", "10.96.0.20");
    assertThat(outbound.getFilterChains(2).getFilterChainMatch().getPrefixRangesList())
        .extracting(CidrRange::getAddressPrefix)
        .containsExactly("127.0.0.1");
  }

  @Test
  void unknownDestinationsPassThroughUnderAllowAny() throws InvalidProtocolBufferException {
    EnvoyResources resources = translator.translate(policy(d -> d, PAYMENTS), redirect());

    FilterChain fallback = listener(resources, XdsNames.OUTBOUND_LISTENER).getDefaultFilterChain();
    assertThat(fallback.getName()).isEqualTo(TransparentLayout.PASSTHROUGH_CHAIN);
    assertThat(fallback.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
        .isEqualTo(XdsNames.PASSTHROUGH_CLUSTER);
    Cluster passthrough = cluster(resources, XdsNames.PASSTHROUGH_CLUSTER);
    assertThat(passthrough.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
    assertThat(passthrough.getLbPolicy()).isEqualTo(Cluster.LbPolicy.CLUSTER_PROVIDED);
    assertThat(resources.clusters())
        .extracting(Cluster::getName)
        .doesNotContain(XdsNames.BLACKHOLE_CLUSTER);
  }

  @Test
  void unknownDestinationsAreRefusedUnderRegistryOnly() throws InvalidProtocolBufferException {
    EnvoyResources resources =
        translator.translate(
            policy(
                d ->
                    d.toBuilder()
                        .setOutboundTrafficPolicy(OutboundTrafficPolicy.REGISTRY_ONLY)
                        .build(),
                PAYMENTS),
            redirect());

    FilterChain fallback = listener(resources, XdsNames.OUTBOUND_LISTENER).getDefaultFilterChain();
    assertThat(fallback.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
        .isEqualTo(XdsNames.BLACKHOLE_CLUSTER);
    Cluster blackHole = cluster(resources, XdsNames.BLACKHOLE_CLUSTER);
    assertThat(blackHole.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(blackHole.getLoadAssignment().getEndpointsList()).isEmpty();
    assertThat(resources.clusters())
        .extracting(Cluster::getName)
        .doesNotContain(XdsNames.PASSTHROUGH_CLUSTER);
  }

  @Test
  void aServiceCalledByAddressIsFoundByItsHostHeaderAndAnyOtherHostFollowsTheTrafficPolicy() {
    RouteConfiguration routes =
        translator
            .translate(
                policy(
                    d ->
                        d.toBuilder()
                            .setOutboundTrafficPolicy(OutboundTrafficPolicy.REGISTRY_ONLY)
                            .build(),
                    ORDERS,
                    PAYMENTS),
                redirect())
            .routes()
            .get(0);

    assertThat(routes.getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .containsExactly("orders", "payments", XdsNames.BLACKHOLE_CLUSTER);
    assertThat(routes.getVirtualHosts(0).getDomainsList())
        .containsExactly("orders", "orders:80", "10.96.0.10", "10.96.0.10:80", "10.1.0.7:8080");
    assertThat(routes.getVirtualHosts(1).getDomainsList())
        .containsExactly("payments", "payments:8080", "10.96.0.20:8080", "127.0.0.1:9001");
    VirtualHost fallback = routes.getVirtualHosts(2);
    assertThat(fallback.getDomainsList()).containsExactly("*");
    assertThat(fallback.getRoutes(0).getRoute().getCluster()).isEqualTo(XdsNames.BLACKHOLE_CLUSTER);
  }

  @Test
  void anAddressTwoServicesShareBelongsToTheFirstInNameOrder() {
    Service alpha = service("alpha", 9001);
    Service beta = service("beta", 9001, 9002);

    FilterChain chain =
        listener(translator.translate(policy(d -> d, alpha, beta), redirect()), "outbound")
            .getFilterChains(0);

    assertThat(chain.getName()).isEqualTo("outbound|9001");
    assertThat(chain.getFilterChainMatch().getPrefixRangesList())
        .as("127.0.0.1:9001 once, so Envoy sees no duplicate match")
        .hasSize(1);
    assertThat(
            translator
                .translate(policy(d -> d, alpha, beta), redirect())
                .routes()
                .get(0)
                .getVirtualHosts(1)
                .getDomainsList())
        .containsExactly("beta", "beta:8080", "127.0.0.1:9002");
  }

  @Test
  void theInboundListenerFrontsTheAppPortAndPassesOtherPortsThroughUnlessMtlsIsStrict()
      throws InvalidProtocolBufferException {
    ProxyGroup group = group("REDIRECT", 9102);

    EnvoyResources permissive =
        translator.translate(policy(d -> withMtls(d, MutualTls.Mode.PERMISSIVE), PAYMENTS), group);
    Listener inbound = listener(permissive, XdsNames.INBOUND_LISTENER);
    assertThat(inbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(15006);
    assertThat(inbound.getListenerFiltersList())
        .extracting(ListenerFilter::getName)
        .containsExactly(XdsNames.ORIGINAL_DST_LISTENER_FILTER, ListenerTranslator.TLS_INSPECTOR);
    assertThat(inbound.getFilterChainsList())
        .extracting(FilterChain::getName)
        .containsExactly(
            ListenerTranslator.INBOUND_MTLS_CHAIN, ListenerTranslator.INBOUND_PLAINTEXT_CHAIN);
    assertThat(inbound.getFilterChainsList())
        .allSatisfy(
            chain ->
                assertThat(chain.getFilterChainMatch().getDestinationPort().getValue())
                    .isEqualTo(9102));
    assertThat(
            inbound
                .getDefaultFilterChain()
                .getFilters(0)
                .getTypedConfig()
                .unpack(TcpProxy.class)
                .getCluster())
        .isEqualTo(XdsNames.INBOUND_PASSTHROUGH_CLUSTER);
    assertThat(cluster(permissive, XdsNames.INBOUND_PASSTHROUGH_CLUSTER).getType())
        .isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);

    EnvoyResources strict =
        translator.translate(policy(d -> withMtls(d, MutualTls.Mode.STRICT), PAYMENTS), group);
    assertThat(listener(strict, XdsNames.INBOUND_LISTENER).hasDefaultFilterChain()).isFalse();
    assertThat(strict.clusters())
        .extracting(Cluster::getName)
        .doesNotContain(XdsNames.INBOUND_PASSTHROUGH_CLUSTER);
  }

  @Test
  void tproxyMarksBothListenersTransparent() {
    EnvoyResources resources =
        translator.translate(policy(d -> d, PAYMENTS), group("TPROXY", 9102));

    assertThat(listener(resources, XdsNames.OUTBOUND_LISTENER).getTransparent().getValue())
        .isTrue();
    assertThat(listener(resources, XdsNames.INBOUND_LISTENER).getTransparent().getValue()).isTrue();
  }

  @Test
  void aNodeWithoutInterceptionKeepsTheExplicitLayout() {
    EnvoyResources resources =
        translator.translate(
            policy(d -> d, PAYMENTS), ProxyGroup.of(node(Map.of("attache.app_port", num(9102)))));

    assertThat(resources.listeners())
        .allSatisfy(
            listener -> {
              assertThat(listener.getListenerFiltersList())
                  .extracting(ListenerFilter::getName)
                  .doesNotContain(XdsNames.ORIGINAL_DST_LISTENER_FILTER);
              assertThat(listener.hasDefaultFilterChain()).isFalse();
            });
    assertThat(resources.clusters())
        .extracting(Cluster::getName)
        .containsExactlyInAnyOrder("payments", "inbound|9102");
    assertThat(resources.routes().get(0).getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .containsExactly("payments");
  }

  @Test
  void anUnknownInterceptionModeIsReportedAndIgnored() {
    Struct metadata = struct(Map.of("attache.interception", str("ebpf")));

    assertThat(Sidecar.of(metadata).intercepted()).isFalse();
    assertThat(Sidecar.problems(metadata))
        .containsExactly(
            "node.metadata.attache.interception: not REDIRECT, TPROXY or NONE; using NONE (no"
                + " transparent interception)");
    assertThat(Sidecar.of(struct(Map.of("attache.interception", str(" redirect ")))).interception())
        .isEqualTo(Sidecar.Interception.REDIRECT);
    assertThat(ProxyGroup.of(node(Map.of("attache.interception", str("REDIRECT")))).toString())
        .isEqualTo("web/proxy@0.0.0.0:15001 redirect");
  }

  // --- helpers ---

  private static PolicySnapshot policy(UnaryOperator<MeshDefaults> defaults, Service... services) {
    PolicySnapshot base = Policies.policy(services);
    return new PolicySnapshot(
        base.revision(),
        defaults.apply(base.defaults()),
        base.services(),
        base.routes(),
        base.rawClusters(),
        base.rawEndpoints(),
        base.rawRoutes(),
        base.rawListeners());
  }

  private static MeshDefaults withMtls(MeshDefaults defaults, MutualTls.Mode mode) {
    return defaults.toBuilder().setMtls(MutualTls.newBuilder().setMode(mode)).build();
  }

  private static ProxyGroup redirect() {
    return ProxyGroup.of(node(Map.of("attache.interception", str("REDIRECT"))));
  }

  private static ProxyGroup group(String interception, int appPort) {
    return ProxyGroup.of(
        node(Map.of("attache.interception", str(interception), "attache.app_port", num(appPort))));
  }

  private static Listener listener(EnvoyResources resources, String name) {
    return resources.listeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Cluster cluster(EnvoyResources resources, String name) {
    return resources.clusters().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Value.Builder num(double n) {
    return Value.newBuilder().setNumberValue(n);
  }

  private static Value.Builder str(String s) {
    return Value.newBuilder().setStringValue(s);
  }

  private static Node node(Map<String, Value.Builder> metadata) {
    return Node.newBuilder().setId("n").setCluster("web").setMetadata(struct(metadata)).build();
  }

  private static Struct struct(Map<String, Value.Builder> fields) {
    Struct.Builder struct = Struct.newBuilder();
    fields.forEach((k, v) -> struct.putFields(k, v.build()));
    return struct.build();
  }
}
