package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The bootstraps we ship use only fields Attaché honours: a start-up warning about one of them
 * would mean the example, the support matrix, or the code is wrong.
 */
class ShippedExamplesTest {
  @Test
  void theAmbassadorExampleStartsWithoutASingleIgnoredFieldWarning() throws Exception {
    var bootstrap = BootstrapLoader.load(Path.of("..", "deploy", "examples", "ambassador.yaml"));

    assertThat(SupportMatrix.get().check(bootstrap, "")).isEmpty();
  }

  @Test
  void theMeshExampleStartsWithoutASingleIgnoredFieldWarning() throws Exception {
    var bootstrap = BootstrapLoader.load(Path.of("..", "deploy", "examples", "mesh.yaml"));

    assertThat(SupportMatrix.get().check(bootstrap, "")).isEmpty();
  }

  @Test
  void everyDemoSidecarBootstrapStartsWithoutASingleIgnoredFieldWarning() throws Exception {
    Path up = Path.of("..", "deploy", "examples", "up");
    try (var files = java.nio.file.Files.list(up)) {
      var yamls = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertThat(yamls).hasSize(4);
      for (Path file : yamls) {
        assertThat(SupportMatrix.get().check(BootstrapLoader.load(file), ""))
            .as(file.toString())
            .isEmpty();
      }
    }
  }
}
