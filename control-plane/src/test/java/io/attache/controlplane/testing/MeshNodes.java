package io.attache.controlplane.testing;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.identity.SpiffeId;
import io.envoyproxy.envoy.config.core.v3.Node;

/** Test nodes that claim an identity in namespace "shop" through their metadata. */
public final class MeshNodes {

  private MeshNodes() {}

  /**
   * An Envoy node of cluster {@code serviceAccount}, claiming
   * spiffe://…/ns/shop/sa/<serviceAccount>.
   */
  public static Node inShop(String id, String serviceAccount) {
    return Node.newBuilder()
        .setId(id)
        .setCluster(serviceAccount)
        .setUserAgentName("envoy")
        .setMetadata(
            Struct.newBuilder()
                .putFields(
                    SpiffeId.NAMESPACE_METADATA_KEY,
                    Value.newBuilder().setStringValue("shop").build()))
        .build();
  }
}
