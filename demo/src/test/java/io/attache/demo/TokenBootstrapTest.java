package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed demo bootstraps carry no token; the copies the demo runs carry exactly one. */
class TokenBootstrapTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void everyCommittedBootstrapBecomesOneThatSendsTheTokenAsInitialMetadata(@TempDir Path dir)
      throws Exception {
    for (Workload workload : DemoTopology.WORKLOADS) {
      Path source = workload.bootstrap(ROOT);
      JsonNode committed = YAML.readTree(source.toFile());
      assertThat(grpcService(committed).has("initial_metadata")).as(source.toString()).isFalse();

      Path copy = TokenBootstrap.write(source, "atk_Zm9vYmFyYmF6-_0123456789", dir, List.of(), 0);

      JsonNode running = YAML.readTree(copy.toFile());
      JsonNode metadata = grpcService(running).path("initial_metadata");
      assertThat(metadata).hasSize(1);
      assertThat(metadata.get(0).path("key").asText()).isEqualTo("authorization");
      assertThat(metadata.get(0).path("value").asText())
          .isEqualTo("Bearer atk_Zm9vYmFyYmF6-_0123456789");
      assertThat(running.path("node")).isEqualTo(committed.path("node"));
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)))
          .isEqualTo("rw-------");
    }
  }

  @Test
  void refusesABootstrapWithoutTheMarkerLineAndATokenThatWouldBreakTheYaml() {
    assertThatThrownBy(() -> TokenBootstrap.withToken("node: {id: x}\n", "atk_abc"))
        .hasMessageContaining("exactly one line");
    assertThatThrownBy(
            () -> TokenBootstrap.withToken("      " + TokenBootstrap.MARKER + "\n", "a\" b"))
        .hasMessageContaining("not a bearer token");
  }

  private static JsonNode grpcService(JsonNode bootstrap) {
    return bootstrap.path("dynamic_resources").path("ads_config").path("grpc_services").get(0);
  }
}
