package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapLoaderTest {

  private static final String MINIMAL =
      """
      admin:
        address:
          socket_address: { address: 127.0.0.1, port_value: 9901 }
      static_resources:
        listeners:
        - name: outbound
          address:
            socket_address: { address: 127.0.0.1, port_value: 15001 }
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: outbound
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      route: { cluster: backend, timeout: 2s }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        clusters:
        - name: backend
          connect_timeout: 0.25s
          type: STATIC
          load_assignment:
            cluster_name: backend
            endpoints:
            - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: { address: 127.0.0.1, port_value: 8080 }
      """;

  @Test
  void parsesAnEnvoyYamlBootstrapIncludingTypedConfigs() throws Exception {
    Bootstrap b = BootstrapLoader.parse(MINIMAL, false);

    assertThat(b.getAdmin().getAddress().getSocketAddress().getPortValue()).isEqualTo(9901);
    HttpConnectionManager hcm =
        b.getStaticResources()
            .getListeners(0)
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    assertThat(hcm.getStatPrefix()).isEqualTo("outbound");
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
        .isEqualTo("backend");
    assertThat(b.getStaticResources().getClusters(0).getConnectTimeout().getNanos())
        .isEqualTo(250_000_000);
  }

  @Test
  void readsJsonFilesByExtensionAndYamlOtherwise(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("b.json");
    Files.writeString(json, "{\"node\": {\"id\": \"n1\", \"cluster\": \"c1\"}}");
    Path yaml = dir.resolve("b.yaml");
    Files.writeString(yaml, "node: {id: n2, cluster: c2}\n");

    assertThat(BootstrapLoader.load(json).getNode().getId()).isEqualTo("n1");
    assertThat(BootstrapLoader.load(yaml).getNode().getCluster()).isEqualTo("c2");
  }

  @Test
  void acceptsCamelCaseJsonNamesAsEnvoyDoes() throws Exception {
    Bootstrap b =
        BootstrapLoader.parse("{\"staticResources\": {\"clusters\": [{\"name\": \"x\"}]}}", true);
    assertThat(b.getStaticResources().getClusters(0).getName()).isEqualTo("x");
  }

  @Test
  void rejectsAnUnknownFieldNamingItsFullPath() {
    String bad =
        MINIMAL.replace("connect_timeout: 0.25s", "connect_timeout: 0.25s\n    colour: red");

    assertThatThrownBy(() -> BootstrapLoader.parse(bad, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("static_resources.clusters[0].colour: unknown field")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("static_resources.clusters[0].colour");
  }

  @Test
  void rejectsAnUnknownFieldInsideATypedConfig() {
    String bad =
        MINIMAL.replace("stat_prefix: outbound", "stat_prefix: outbound\n          bogus: 1");

    assertThatThrownBy(() -> BootstrapLoader.parse(bad, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.bogus");
  }

  @Test
  void rejectsAnExtensionTypeAttacheCannotRun() {
    String bad =
        MINIMAL.replace(
            "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
            "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua");

    assertThatThrownBy(() -> BootstrapLoader.parse(bad, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http_filters[0].typed_config")
        .hasMessageContaining("envoy.extensions.filters.http.lua.v3.Lua");
  }

  @Test
  void reportsAMalformedValueWithTheProtoParserReason() {
    String bad = MINIMAL.replace("connect_timeout: 0.25s", "connect_timeout: soon");

    assertThatThrownBy(() -> BootstrapLoader.parse(bad, false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("soon");
  }

  @Test
  void rejectsMalformedYaml() {
    assertThatThrownBy(() -> BootstrapLoader.parse("a: [unclosed", false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("malformed YAML");
  }

  @Test
  void withAllowUnknownStaticFieldsUnknownFieldsAreDroppedAndNamed() throws Exception {
    java.util.List<String> dropped = new java.util.ArrayList<>();
    Bootstrap b =
        BootstrapLoader.parse(
            """
            node: { id: a, future_field: 1 }
            static_resources:
              listeners:
              - name: l
                address: { socket_address: { address: 127.0.0.1, port_value: 1 } }
                filter_chains:
                - filters:
                  - name: hcm
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                      stat_prefix: x
                      newer_option: true
            """,
            false,
            dropped::add);

    assertThat(b.getNode().getId()).isEqualTo("a");
    assertThat(dropped)
        .containsExactly(
            "node.future_field",
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.newer_option");
    assertThatThrownBy(() -> BootstrapLoader.parse("node: { future_field: 1 }", false))
        .hasMessageContaining("node.future_field: unknown field");
  }

  @Test
  void acceptsWhatEnvoysYamlLoaderAcceptsLowercaseEnumsAndObjectFormDurationsAndWrappers()
      throws Exception {
    String lenient =
        MINIMAL
            .replace("stat_prefix: outbound", "stat_prefix: outbound\n          codec_type: auto")
            .replace("timeout: 2s", "timeout: { seconds: 2, nanos: 500000000 }")
            .replace(
                "stat_prefix: outbound",
                "stat_prefix: outbound\n          generate_request_id: { value: false }");

    Bootstrap bootstrap = BootstrapLoader.parse(lenient, false);

    HttpConnectionManager hcm =
        bootstrap
            .getStaticResources()
            .getListeners(0)
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    assertThat(hcm.getCodecType()).isEqualTo(HttpConnectionManager.CodecType.AUTO);
    assertThat(hcm.getGenerateRequestId().getValue()).isFalse();
    com.google.protobuf.Duration timeout =
        hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getTimeout();
    assertThat(timeout.getSeconds()).isEqualTo(2);
    assertThat(timeout.getNanos()).isEqualTo(500_000_000);
  }

  @Test
  void stillRefusesAnEnumNameThatNoCaseMatches() {
    String bad =
        MINIMAL.replace(
            "stat_prefix: outbound", "stat_prefix: outbound\n          codec_type: http3x");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BootstrapLoader.parse(bad, false))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void unwrapsATypedStructIntoTheConfigItCarries() throws Exception {
    String routerType =
        "\"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
    String wrapped =
        MINIMAL.replace(
            routerType,
            "\"@type\": type.googleapis.com/xds.type.v3.TypedStruct\n"
                + "              type_url:"
                + " type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\n"
                + "              value: { suppress_envoy_headers: true }");

    Bootstrap bootstrap = BootstrapLoader.parse(wrapped, false);

    HttpConnectionManager hcm =
        bootstrap
            .getStaticResources()
            .getListeners(0)
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    com.google.protobuf.Any router = hcm.getHttpFilters(0).getTypedConfig();
    assertThat(router.getTypeUrl())
        .isEqualTo("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
    assertThat(
            router
                .unpack(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.class)
                .getSuppressEnvoyHeaders())
        .isTrue();
  }
}
