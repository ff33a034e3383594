package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SidecarTest {

  private final SnapshotTranslator translator = new SnapshotTranslator();

  @Test
  void aNodeWithoutSidecarMetadataGetsTheOutboundListenerOn15001Only() {
    ProxyGroup group = ProxyGroup.of(Node.newBuilder().setId("a").setCluster("web").build());

    EnvoyResources resources = translator.translate(policy(service("orders", 9001)), group);

    assertThat(resources.listeners()).extracting(Listener::getName).containsExactly("outbound");
    assertThat(address(resources.listeners().get(0)))
        .isEqualTo(SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15001).build());
    assertThat(resources.clusters()).extracting(Cluster::getName).containsExactly("orders");
    assertThat(group.toString()).isEqualTo("web/proxy");
  }

  @Test
  void nodeMetadataPlacesTheOutboundListenerAndAddsAnInboundListenerInFrontOfTheApp()
      throws InvalidProtocolBufferException {
    ProxyGroup group =
        ProxyGroup.of(
            node(
                Map.of(
                    "attache.outbound_address", Value.newBuilder().setStringValue("127.0.0.1"),
                    "attache.outbound_port", Value.newBuilder().setNumberValue(15201),
                    "attache.inbound_port", Value.newBuilder().setStringValue("15206"),
                    "attache.app_port", Value.newBuilder().setNumberValue(9102))));

    EnvoyResources resources = translator.translate(policy(service("payments", 9001)), group);

    assertThat(resources.listeners())
        .extracting(Listener::getName)
        .containsExactly("inbound", "outbound");
    Listener inbound = resources.listeners().get(0);
    Listener outbound = resources.listeners().get(1);
    assertThat(address(outbound))
        .isEqualTo(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(15201).build());
    assertThat(address(inbound))
        .isEqualTo(SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(15206).build());
    HttpConnectionManager hcm =
        inbound
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    assertThat(hcm.getStatPrefix()).isEqualTo("inbound");
    RouteAction toApp = hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute();
    assertThat(toApp.getCluster()).isEqualTo("inbound|9102");
    assertThat(toApp.hasRetryPolicy()).as("the caller's proxy retries, not the inbound").isFalse();
    assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName())
        .isEqualTo(XdsNames.ROUTER_FILTER);
    assertThat(hcm.getNormalizePath().getValue())
        .as("authorization path rules see the normalised path")
        .isTrue();
    assertThat(hcm.getMergeSlashes()).isTrue();
    assertThat(hcm.getPathWithEscapedSlashesAction())
        .isEqualTo(HttpConnectionManager.PathWithEscapedSlashesAction.UNESCAPE_AND_REDIRECT);

    Cluster app =
        resources.clusters().stream()
            .filter(c -> c.getName().equals("inbound|9102"))
            .findFirst()
            .orElseThrow();
    assertThat(app.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(
            app.getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress())
        .isEqualTo(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(9102).build());
    assertThat(app.hasOutlierDetection()).isFalse();
  }

  @Test
  void nodesWithTheSameLayoutShareAGroupAndDifferentLayoutsDoNot() {
    ProxyGroup a = ProxyGroup.of(node(Map.of("attache.app_port", num(9102))));
    ProxyGroup b = ProxyGroup.of(node(Map.of("attache.app_port", num(9102))));
    ProxyGroup c = ProxyGroup.of(node(Map.of("attache.app_port", num(9103))));

    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    assertThat(a.toString())
        .isEqualTo("web/proxy@0.0.0.0:15001 inbound 0.0.0.0:15006 → app 127.0.0.1:9102");
  }

  @Test
  void badMetadataFallsBackToTheDefaultAndIsReportedByKey() {
    Struct metadata =
        struct(
            Map.of(
                "attache.outbound_port", num(70000),
                "attache.app_port", Value.newBuilder().setStringValue("http"),
                "attache.inbound_address", Value.newBuilder().setStringValue("localhost")));

    assertThat(Sidecar.of(metadata)).isEqualTo(Sidecar.DEFAULT);
    assertThat(Sidecar.problems(metadata))
        .containsExactlyInAnyOrder(
            "node.metadata.attache.outbound_port: not a port in [1, 65535]; using 15001",
            "node.metadata.attache.app_port: not a port in [1, 65535]; using none (no inbound"
                + " listener)",
            "node.metadata.attache.inbound_address: not an IP address; using 0.0.0.0");
  }

  @Test
  void proxylessGrpcClientsIgnoreSidecarMetadata() {
    Node grpc =
        node(Map.of("attache.app_port", num(9102))).toBuilder()
            .setUserAgentName("gRPC Java")
            .build();

    EnvoyResources resources =
        translator.translate(policy(service("orders", 9001)), ProxyGroup.of(grpc));

    assertThat(resources.listeners()).extracting(Listener::getName).containsExactly("orders");
    assertThat(resources.clusters()).extracting(Cluster::getName).containsExactly("orders");
  }

  @Test
  void acceptsIpv6Literals() {
    assertThat(Sidecar.isIpLiteral("::1")).isTrue();
    assertThat(Sidecar.isIpLiteral("10.0.0.256")).isFalse();
    assertThat(Sidecar.isIpLiteral("orders")).isFalse();
  }

  private static SocketAddress address(Listener listener) {
    return listener.getAddress().getSocketAddress();
  }

  private static Value.Builder num(double n) {
    return Value.newBuilder().setNumberValue(n);
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
