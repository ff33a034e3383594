package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

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
}
