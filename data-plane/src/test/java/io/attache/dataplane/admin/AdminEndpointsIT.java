package io.attache.dataplane.admin;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.testing.ProxyHarness;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.Memory;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /listeners}, {@code /runtime}, {@code /memory} and {@code /} of a real proxy started from
 * a bootstrap: the answers name the ports the listeners really bound, the bootstrap's runtime
 * layers, and the JVM's memory, and parse with Envoy's admin.v3 protos.
 */
class AdminEndpointsIT {
  private static final String RUNTIME =
      """
      layered_runtime:
        layers:
        - name: base
          static_layer: { routing: { canary: 0 } }
        - name: override
          static_layer: { routing.canary: 100 }
      """;
  private static final String ROUTES =
      "- match: { prefix: \"/\" }\n  direct_response: { status: 200, body: { inline_string: ok } }\n";

  @Test
  void listenersNameTheAddressTheListenerReallyBound() throws Exception {
    try (ProxyHarness proxy = ProxyHarness.start(bootstrap("", ROUTES, ""))) {
      assertThat(proxy.admin("/listeners")).isEqualTo("ingress::127.0.0.1:" + proxy.port() + "\n");
      Listeners.Builder json = Listeners.newBuilder();
      JsonFormat.parser().merge(proxy.admin("/listeners?format=json"), json);
      assertThat(json.getListenerStatusesList()).hasSize(1);
      assertThat(json.getListenerStatuses(0).getName()).isEqualTo("ingress");
      assertThat(json.getListenerStatuses(0).getLocalAddress().getSocketAddress().getPortValue())
          .isEqualTo(proxy.port());
    }
  }

  @Test
  void runtimeShowsTheBootstrapsLayersAndTheValueThatApplies() throws Exception {
    try (ProxyHarness proxy = ProxyHarness.start(RUNTIME + bootstrap("", ROUTES, ""))) {
      Struct.Builder runtime = Struct.newBuilder();
      JsonFormat.parser().merge(proxy.admin("/runtime"), runtime);
      assertThat(runtime.getFieldsOrThrow("layers").getListValue().getValuesList())
          .extracting(Value::getStringValue)
          .containsExactly("base", "override");
      Struct canary =
          runtime
              .getFieldsOrThrow("entries")
              .getStructValue()
              .getFieldsOrThrow("routing.canary")
              .getStructValue();
      assertThat(canary.getFieldsOrThrow("layer_values").getListValue().getValuesList())
          .extracting(Value::getStringValue)
          .containsExactly("0", "100");
      assertThat(canary.getFieldsOrThrow("final_value").getStringValue()).isEqualTo("100");
    }
  }

  @Test
  void runtimeModifyTurnsARoutesRuntimeFractionOnForTheNextRequest() throws Exception {
    String runtime =
        """
        stats_flush_on_admin: true
        layered_runtime:
          layers:
          - name: static
            static_layer: { routing: { canary: 0 } }
          - name: admin
            admin_layer: {}
        """;
    String routes =
        """
        - match:
            prefix: "/"
            runtime_fraction:
              default_value: { numerator: 0, denominator: HUNDRED }
              runtime_key: routing.canary
          direct_response: { status: 200, body: { inline_string: canary } }
        - match: { prefix: "/" }
          direct_response: { status: 200, body: { inline_string: stable } }
        """;
    try (ProxyHarness proxy = ProxyHarness.start(runtime + bootstrap("", routes, ""))) {
      assertThat(proxy.get("/").body()).isEqualTo("stable");

      assertThat(adminPost(proxy, "/runtime_modify?routing.canary=100").statusCode())
          .isEqualTo(200);
      assertThat(proxy.get("/").body()).isEqualTo("canary");
      assertThat(proxy.admin("/stats?filter=runtime"))
          .contains("runtime.admin_overrides_active: 1")
          .contains("runtime.num_keys: 1")
          .contains("runtime.num_layers: 2");

      assertThat(adminPost(proxy, "/runtime_modify?routing.canary=").statusCode()).isEqualTo(200);
      assertThat(proxy.get("/").body()).isEqualTo("stable");
    }
  }

  private static HttpResponse<String> adminPost(ProxyHarness proxy, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + proxy.server().adminAddress().getPort() + path))
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void configDumpListsTheInlineRouteConfigsAsStaticRouteConfigs() throws Exception {
    try (ProxyHarness proxy = ProxyHarness.start(bootstrap("", ROUTES, ""))) {
      ConfigDump.Builder dump = ConfigDump.newBuilder();
      JsonFormat.parser()
          .usingTypeRegistry(ConfigDumpTypes.envoyDefaults())
          .merge(proxy.admin("/config_dump?resource=static_route_configs"), dump);
      assertThat(dump.getConfigsList())
          .singleElement()
          .satisfies(
              any -> {
                RoutesConfigDump.StaticRouteConfig route =
                    any.unpack(RoutesConfigDump.StaticRouteConfig.class);
                assertThat(route.hasLastUpdated()).isTrue();
                RouteConfiguration config = route.getRouteConfig().unpack(RouteConfiguration.class);
                assertThat(config.getName()).isEqualTo("local");
                assertThat(config.getVirtualHosts(0).getDomainsList()).containsExactly("*");
              });
      for (String regex : List.of("loc.*", "other")) {
        ConfigDump.Builder byName = ConfigDump.newBuilder();
        JsonFormat.parser()
            .usingTypeRegistry(ConfigDumpTypes.envoyDefaults())
            .merge(
                proxy.admin("/config_dump?resource=static_route_configs&name_regex=" + regex),
                byName);
        assertThat(byName.getConfigsCount()).as(regex).isEqualTo(regex.equals("other") ? 0 : 1);
      }
    }
  }

  @Test
  void memoryReportsTheJvmsUsageWithinWhatItCommitted() throws Exception {
    try (ProxyHarness proxy = ProxyHarness.start(bootstrap("", ROUTES, ""))) {
      Memory.Builder memory = Memory.newBuilder();
      JsonFormat.parser().merge(proxy.admin("/memory"), memory);
      assertThat(memory.getAllocated()).isPositive();
      assertThat(memory.getHeapSize()).isGreaterThanOrEqualTo(memory.getAllocated());
      assertThat(memory.getPageheapFree()).isEqualTo(memory.getHeapSize() - memory.getAllocated());
      assertThat(memory.getTotalPhysicalBytes()).isPositive();
    }
  }

  @Test
  void homePageListsTheNewEndpoints() throws Exception {
    try (ProxyHarness proxy = ProxyHarness.start(bootstrap("", ROUTES, ""))) {
      assertThat(proxy.admin("/"))
          .contains("<a href='/listeners'>listeners</a>")
          .contains("<a href='/runtime'>runtime</a>")
          .contains("<a href='/memory'>memory</a>")
          .contains("<a href='/config_dump'>config_dump</a>");
    }
  }
}
