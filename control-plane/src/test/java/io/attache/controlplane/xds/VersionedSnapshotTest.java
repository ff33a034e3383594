package io.attache.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.translate.ResourceVersions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class VersionedSnapshotTest {

  private static final TreeMap<String, String> VERSIONS =
      new TreeMap<>(java.util.Map.of("orders", "v-orders", "users", "v-users", "web", "v-web"));

  @Test
  void aSetsVersionIsTheHashOfItsKnownMembersNamesAndVersions() {
    VersionedSnapshot.SetVersions versions = new VersionedSnapshot.SetVersions(VERSIONS);

    assertThat(versions.version(List.of("users", "orders", "unknown")))
        .isEqualTo(
            ResourceVersions.ofSet(
                new TreeMap<>(java.util.Map.of("orders", "v-orders", "users", "v-users"))));
    assertThat(versions.version(List.of())).isEqualTo(ResourceVersions.ofSet(VERSIONS));
  }

  @Test
  void askingAgainWithAnEqualListGivesTheRememberedVersion() {
    VersionedSnapshot.SetVersions versions = new VersionedSnapshot.SetVersions(VERSIONS);
    List<String> asked = new ArrayList<>(List.of("orders", "users"));

    String first = versions.version(asked);
    asked.add("web");

    assertThat(versions.version(List.of("orders", "users"))).isSameAs(first);
    assertThat(versions.version(asked)).isNotEqualTo(first);
    assertThat(versions.memoisedSets()).isEqualTo(2);
  }

  @Test
  void remembersABoundedNumberOfNameSetsHoweverManyAreAskedFor() {
    VersionedSnapshot.SetVersions versions = new VersionedSnapshot.SetVersions(VERSIONS);

    for (int i = 0; i < VersionedSnapshot.SetVersions.MEMOISED_SETS * 2; i++) {
      versions.version(List.of("orders", "invented-" + i));
    }

    assertThat(versions.memoisedSets()).isEqualTo(VersionedSnapshot.SetVersions.MEMOISED_SETS);
    assertThat(versions.version(List.of("orders", "invented-999")))
        .isEqualTo(ResourceVersions.ofSet(new TreeMap<>(java.util.Map.of("orders", "v-orders"))));
  }
}
