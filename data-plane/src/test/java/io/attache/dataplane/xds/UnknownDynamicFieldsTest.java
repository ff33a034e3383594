package io.attache.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import org.junit.jupiter.api.Test;

class UnknownDynamicFieldsTest {
  private static UnknownFieldSet field(int number) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  @Test
  void findsTheFirstFieldANewerControlPlaneSentByPath() {
    ClusterLoadAssignment cla =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("backend")
            .addEndpoints(LocalityLbEndpoints.getDefaultInstance())
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setLocality(Locality.newBuilder().setZone("a").setUnknownFields(field(77))))
            .build();

    assertThat(UnknownDynamicFields.firstUnknown(cla, "cluster_load_assignments[\"backend\"]"))
        .hasValue("cluster_load_assignments[\"backend\"].endpoints[1].locality.<unknown field 77>");
    assertThat(UnknownDynamicFields.firstUnknown(Cluster.newBuilder().setName("c").build(), "c"))
        .isEmpty();
  }

  @Test
  void theParserReportsItBesideAnAcceptedResource() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("backend")
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(
                        io.envoyproxy.envoy.config.core.v3.ConfigSource.newBuilder()
                            .setAds(
                                io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource
                                    .getDefaultInstance())))
            .setUnknownFields(field(999))
            .build();

    ResourceParser.Outcome outcome =
        new ClusterResourceParser().parse(com.google.protobuf.Any.pack(cluster), 0);

    assertThat(outcome.error()).isEmpty();
    assertThat(outcome.unknownField()).hasValue("clusters[\"backend\"].<unknown field 999>");
  }
}
