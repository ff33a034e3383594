package io.attache.dataplane.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDumpQueryTest {
  private static final BootstrapConfigDump BOOTSTRAP =
      BootstrapConfigDump.newBuilder()
          .setBootstrap(Bootstrap.newBuilder().setNode(Node.newBuilder().setId("n")))
          .build();
  private static final ClustersConfigDump CLUSTERS =
      ClustersConfigDump.newBuilder()
          .addStaticClusters(staticCluster("backend"))
          .addStaticClusters(staticCluster("xds-grpc"))
          .build();
  private static final EndpointsConfigDump ENDPOINTS =
      EndpointsConfigDump.newBuilder()
          .addDynamicEndpointConfigs(
              EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                  .setEndpointConfig(
                      Any.pack(
                          ClusterLoadAssignment.newBuilder().setClusterName("backend").build())))
          .build();
  private static final List<Message> DUMPS = List.of(BOOTSTRAP, CLUSTERS, ENDPOINTS);

  private static ClustersConfigDump.StaticCluster staticCluster(String name) {
    return ClustersConfigDump.StaticCluster.newBuilder()
        .setCluster(Any.pack(Cluster.newBuilder().setName(name).build()))
        .build();
  }

  private static List<Message> select(Map<String, List<String>> params) {
    return ConfigDumpQuery.parse(params).select(DUMPS).orElseThrow();
  }

  @Test
  void endpointsAreDumpedOnlyWithIncludeEds() {
    assertThat(select(Map.of())).containsExactly(BOOTSTRAP, CLUSTERS);
    assertThat(select(Map.of("include_eds", List.of(""))))
        .containsExactly(BOOTSTRAP, CLUSTERS, ENDPOINTS);
  }

  @Test
  void resourceListsTheElementsOfThatFieldAndNameRegexKeepsTheMatchingOnes() throws Exception {
    assertThat(select(Map.of("resource", List.of("static_clusters"))))
        .containsExactly(staticCluster("backend"), staticCluster("xds-grpc"));

    List<Message> xds =
        select(Map.of("resource", List.of("static_clusters"), "name_regex", List.of("xds.*")));
    assertThat(xds).containsExactly(staticCluster("xds-grpc"));

    List<Message> eds =
        select(
            Map.of(
                "resource", List.of("dynamic_endpoint_configs"),
                "name_regex", List.of("back.*"),
                "include_eds", List.of("")));
    assertThat(eds).hasSize(1);
  }

  @Test
  void maskTrimsEachTopLevelDumpOrEachResource() {
    assertThat(select(Map.of("mask", List.of("static_clusters"))))
        .containsExactly(BootstrapConfigDump.getDefaultInstance(), CLUSTERS);
    assertThat(
            select(Map.of("resource", List.of("static_clusters"), "mask", List.of("last_updated"))))
        .containsExactly(
            ClustersConfigDump.StaticCluster.getDefaultInstance(),
            ClustersConfigDump.StaticCluster.getDefaultInstance());
  }

  @Test
  void anUnknownResourceSelectsNothingAndABadRegexIsRefused() {
    assertThat(ConfigDumpQuery.parse(Map.of("resource", List.of("nope"))).select(DUMPS)).isEmpty();
    assertThatThrownBy(() -> ConfigDumpQuery.parse(Map.of("name_regex", List.of("("))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("invalid name_regex");
  }
}
