package io.attache.controlplane.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.translate.XdsNames;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A REST write of an authorization reaches a connected sidecar's inbound listener over ADS. */
class AuthorizationPushTest {

  private static final String LDS = Resources.V3.LISTENER_TYPE_URL;

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;
  private RestClient rest;
  private AdsTestClient sidecar;

  @BeforeEach
  void start() throws Exception {
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDir,
                Duration.ofMillis(20),
                Duration.ofMillis(200)),
            scheduler,
            Clock.systemUTC());
    rest = new RestClient(controlPlane.httpPort());
    Node node =
        AdsTestClient.node("payments-1", "payments").toBuilder()
            .setMetadata(
                Struct.newBuilder()
                    .putFields("attache.app_port", Value.newBuilder().setNumberValue(9102).build()))
            .build();
    sidecar = new AdsTestClient(controlPlane.xdsPort(), node);
  }

  @AfterEach
  void stop() {
    sidecar.close();
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void pushesTheRbacFiltersToTheTargetsInboundListenerAndRemovesThemAgain() throws Exception {
    sidecar.request(LDS, "", "", List.of());
    DiscoveryResponse first = sidecar.next();
    assertThat(inboundFilters(first)).containsExactly(XdsNames.ROUTER_FILTER);
    sidecar.ack(first);

    assertThat(
            rest.put(
                    "/api/v1/authorizations/orders-may-charge",
                    """
                    {"target": "payments",
                     "rules": [{"from": {"principals": ["spiffe://attache.local/ns/default/sa/orders"]},
                                "to": {"methods": ["POST"], "paths": ["/charge"]}}]}""")
                .statusCode())
        .isEqualTo(201);
    DiscoveryResponse second = sidecar.next();
    assertThat(inboundFilters(second))
        .containsExactly(XdsNames.RBAC_FILTER, XdsNames.ROUTER_FILTER);
    HttpFilter rbac = inboundHcm(second).getHttpFilters(0);
    assertThat(rbac.getTypedConfig().unpack(RBAC.class).getRules().getPoliciesMap())
        .containsOnlyKeys("orders-may-charge.rules[0]");
    sidecar.ack(second);

    assertThat(rest.delete("/api/v1/authorizations/orders-may-charge").statusCode()).isEqualTo(204);
    assertThat(inboundFilters(sidecar.next())).containsExactly(XdsNames.ROUTER_FILTER);
  }

  private static List<String> inboundFilters(DiscoveryResponse response) throws Exception {
    return inboundHcm(response).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  private static HttpConnectionManager inboundHcm(DiscoveryResponse response) throws Exception {
    for (Any resource : response.getResourcesList()) {
      Listener listener = resource.unpack(Listener.class);
      if (listener.getName().equals(XdsNames.INBOUND_LISTENER)) {
        return listener
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
      }
    }
    throw new AssertionError("no inbound listener in " + response);
  }
}
