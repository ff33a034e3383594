package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a bootstrap may not ask of mesh mode, refused before anything starts. */
class MeshBootstrapValidationTest {
  @Test
  void refusesAStaticEdsClusterNamingTheField() {
    assertThatThrownBy(
            () ->
                ProxyServer.validate(
                    BootstrapLoader.parse(
                        """
                        static_resources:
                          clusters:
                          - name: backend
                            type: EDS
                            connect_timeout: 1s
                            eds_cluster_config: { eds_config: { ads: {} } }
                        """,
                        false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.clusters[0].type")
        .hasMessageContaining("must arrive over CDS");
  }

  @Test
  void refusesDynamicResourcesWithoutANodeId() {
    assertThatThrownBy(
            () ->
                ProxyServer.validate(
                    BootstrapLoader.parse(
                        """
                        dynamic_resources:
                          ads_config:
                            api_type: GRPC
                            transport_api_version: V3
                            grpc_services: [ { envoy_grpc: { cluster_name: xds } } ]
                          cds_config: { ads: {}, resource_api_version: V3 }
                        static_resources:
                          clusters:
                          - name: xds
                            type: STATIC
                            connect_timeout: 1s
                            load_assignment:
                              cluster_name: xds
                              endpoints:
                              - lb_endpoints:
                                - endpoint:
                                    address:
                                      socket_address: { address: 127.0.0.1, port_value: 1 }
                        """,
                        false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.id");
  }

  private static final String ADS_BOOTSTRAP =
      """
      node: { id: edge-1, cluster: edge }
      dynamic_resources:
        ads_config:
          api_type: GRPC
          VERSION
          grpc_services: [ { envoy_grpc: { cluster_name: xds } } ]
        cds_config: { ads: {} }
        lds_config: { ads: {} }
      static_resources:
        clusters:
        - name: xds
          type: STATIC
          connect_timeout: 1s
          load_assignment:
            cluster_name: xds
            endpoints:
            - lb_endpoints:
              - endpoint:
                  address:
                    socket_address: { address: 127.0.0.1, port_value: 1 }
      """;

  /**
   * Envoy 1.40 validates an ads_config that leaves transport_api_version out (AUTO, as Envoy's
   * dynamic-config-cp sandbox does) or says V3 or AUTO, and speaks v3 for all of them.
   */
  @ParameterizedTest
  @ValueSource(strings = {"", "transport_api_version: AUTO", "transport_api_version: V3"})
  void acceptsAnAdsConfigWhoseTransportApiVersionIsUnsetAutoOrV3(String version) {
    assertThatCode(
            () ->
                ProxyServer.validate(
                    BootstrapLoader.parse(ADS_BOOTSTRAP.replace("VERSION", version), false)))
        .doesNotThrowAnyException();
  }

  @Test
  void refusesAnAdsConfigAskingForTheRemovedV2TransportAsEnvoyDoes() {
    assertThatThrownBy(
            () ->
                ProxyServer.validate(
                    BootstrapLoader.parse(
                        ADS_BOOTSTRAP.replace("VERSION", "transport_api_version: V2"), false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("dynamic_resources.ads_config.transport_api_version")
        .hasMessageContaining("V2 is not supported");
  }
}
