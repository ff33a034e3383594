package io.attache.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Versions checked against oracles that do not go through ResourceVersions: the SHA-256 of wire
 * bytes written out by hand, and protobuf equality. A version that depended on the process
 * (identity hashes, map insertion order) would make every proxy re-apply its config after a
 * restart.
 */
class ResourceVersionsTest {

  @Test
  void aResourcesVersionIsTheFirstSixteenHexDigitsOfTheSha256OfItsWireBytes() throws Exception {
    Cluster orders = Cluster.newBuilder().setName("orders").build();
    // Field 1 (name), wire type 2: tag 0x0a, length 6, then the UTF-8 bytes.
    byte[] wire = {0x0a, 0x06, 'o', 'r', 'd', 'e', 'r', 's'};

    assertThat(ResourceVersions.of(orders)).isEqualTo(sha256Prefix(wire));
  }

  @Test
  void equalResourcesBuiltWithMapEntriesInAnotherOrderHaveOneVersion() {
    Cluster ab = withFilterMetadata("a", "b");
    Cluster ba = withFilterMetadata("b", "a");

    assertThat(ba).isEqualTo(ab);
    assertThat(ResourceVersions.of(ba)).isEqualTo(ResourceVersions.of(ab));
  }

  @Test
  void aSetsVersionIsTheSha256OfItsSortedNameEqualsVersionLines() throws Exception {
    TreeMap<String, String> versions = new TreeMap<>();
    versions.put("b", "2");
    versions.put("a", "1");

    assertThat(ResourceVersions.ofSet(versions))
        .isEqualTo(sha256Prefix("a=1\nb=2\n".getBytes(StandardCharsets.UTF_8)));
    versions.put("b", "3");
    assertThat(ResourceVersions.ofSet(versions))
        .isEqualTo(sha256Prefix("a=1\nb=3\n".getBytes(StandardCharsets.UTF_8)));
  }

  private static Cluster withFilterMetadata(String first, String second) {
    Metadata.Builder metadata = Metadata.newBuilder();
    for (String key : new String[] {first, second}) {
      metadata.putFilterMetadata(
          key,
          Struct.newBuilder()
              .putFields("k", Value.newBuilder().setStringValue(key).build())
              .build());
    }
    return Cluster.newBuilder().setName("orders").setMetadata(metadata).build();
  }

  private static String sha256Prefix(byte[] bytes) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
        .substring(0, 16);
  }
}
