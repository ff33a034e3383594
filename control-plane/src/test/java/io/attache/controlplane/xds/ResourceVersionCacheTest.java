package io.attache.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.translate.ResourceVersions;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import org.junit.jupiter.api.Test;

class ResourceVersionCacheTest {

  private final ResourceVersionCache versions = new ResourceVersionCache();

  @Test
  void anEqualResourceGetsBackTheKnownInstanceVersionAndBytes() {
    Cluster first = cluster("orders", 1);
    Cluster sameContent = cluster("orders", 1);
    assertThat(sameContent).isNotSameAs(first);

    VersionedResource<Cluster> known = versions.versioned(first);
    VersionedResource<Cluster> again = versions.versioned(sameContent);

    assertThat(again).isSameAs(known);
    assertThat(again.resource()).isSameAs(first);
    assertThat(again.version()).isEqualTo(ResourceVersions.of(sameContent));
    assertThat(versions.packed(sameContent)).isSameAs(versions.packed(first));
    assertThat(versions.computedCount()).isEqualTo(1);
    assertThat(versions.reusedCount()).isEqualTo(1);
  }

  @Test
  void aChangedResourceIsVersionedAndSerialisedAfresh() {
    VersionedResource<Cluster> before = versions.versioned(cluster("orders", 1));
    VersionedResource<Cluster> after = versions.versioned(cluster("orders", 3));

    assertThat(after.version()).isNotEqualTo(before.version());
    assertThat(after.version()).isEqualTo(ResourceVersions.of(cluster("orders", 3)));
    assertThat(versions.computedCount()).isEqualTo(2);
    assertThat(versions.size()).isEqualTo(2);
  }

  @Test
  void theKeptBytesUnpackToTheResourceUnderItsTypeUrl() throws Exception {
    Cluster orders = cluster("orders", 1);
    versions.versioned(orders);

    Any packed = versions.packed(orders);

    assertThat(packed.getTypeUrl()).isEqualTo(Resources.V3.CLUSTER_TYPE_URL);
    assertThat(packed.getTypeUrl()).isEqualTo(Any.pack(orders).getTypeUrl());
    assertThat(packed.unpack(Cluster.class)).isEqualTo(orders);
  }

  @Test
  void mapEntriesInAnotherOrderMakeTheSameVersionAndBytes() {
    Cluster ab = withMetadata("a", "b");
    Cluster ba = withMetadata("b", "a");
    ResourceVersionCache other = new ResourceVersionCache();

    VersionedResource<Cluster> one = versions.versioned(ab);
    VersionedResource<Cluster> two = other.versioned(ba);

    assertThat(two.version()).isEqualTo(one.version());
    assertThat(other.packed(ba).getValue()).isEqualTo(versions.packed(ab).getValue());
  }

  @Test
  void aPushForgetsTheResourcesItDidNotUse() {
    Cluster kept = cluster("orders", 1);
    Cluster dropped = cluster("users", 1);
    versions.pushStarted();
    versions.versioned(kept);
    versions.versioned(dropped);
    versions.pushFinished();

    versions.pushStarted();
    versions.versioned(cluster("orders", 1));
    versions.pushFinished();

    assertThat(versions.size()).isEqualTo(1);
    assertThat(versions.packed(kept)).isNotNull();
    assertThat(versions.packed(dropped)).isNull();
  }

  @Test
  void aResourceVersionedBetweenPushesIsKeptUntilAPushEndsWithoutIt() {
    versions.pushStarted();
    versions.versioned(cluster("orders", 1));
    versions.pushFinished();
    Cluster firstSight = cluster("users", 1);

    versions.versioned(firstSight);
    assertThat(versions.packed(firstSight)).isNotNull();

    versions.pushStarted();
    versions.versioned(cluster("orders", 1));
    versions.pushFinished();
    assertThat(versions.packed(firstSight)).isNull();
  }

  @Test
  void theSerialiserHandsOutTheKeptBytesAndPacksWhatItDoesNotKnow() throws Exception {
    ResourceBytesSerializer serializer = new ResourceBytesSerializer(versions);
    Cluster known = versions.versioned(cluster("orders", 1)).resource();
    Cluster unknown = cluster("users", 1);

    assertThat(serializer.serialize(known, Resources.ApiVersion.V3))
        .isSameAs(versions.packed(known));
    assertThat(serializer.serialize(unknown, Resources.ApiVersion.V3).unpack(Cluster.class))
        .isEqualTo(unknown);
  }

  private static Cluster cluster(String name, long connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(Duration.newBuilder().setSeconds(connectTimeoutSeconds))
        .build();
  }

  private static Cluster withMetadata(String firstKey, String secondKey) {
    Struct.Builder fields = Struct.newBuilder();
    fields.putFields(firstKey, Value.newBuilder().setStringValue(firstKey).build());
    fields.putFields(secondKey, Value.newBuilder().setStringValue(secondKey).build());
    return Cluster.newBuilder()
        .setName("orders")
        .setMetadata(Metadata.newBuilder().putFilterMetadata("io.attache", fields.build()))
        .build();
  }
}
