package io.attache.bench.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdsNamesTest {

  @Test
  void subscribesToTheServiceNameOrElseTheClusterNameOfEdsClustersOnly() {
    Cluster named =
        Cluster.newBuilder()
            .setName("orders")
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setServiceName("orders-v2"))
            .build();
    Cluster unnamed =
        Cluster.newBuilder()
            .setName("billing")
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(Cluster.EdsClusterConfig.getDefaultInstance())
            .build();
    Cluster staticCluster =
        Cluster.newBuilder().setName("local").setType(Cluster.DiscoveryType.STATIC).build();

    assertThat(EdsNames.of(List.of(named, staticCluster, unnamed)))
        .containsExactly("billing", "orders-v2");
  }
}
