package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo's ports live twice — in {@link DemoTopology} and in the bootstraps under
 * deploy/examples/up/ that users read — so this keeps them the same.
 */
class DemoTopologyTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void everyBootstrapDeclaresTheNodeAndPortsTheDemoUses() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    for (Workload workload : DemoTopology.WORKLOADS) {
      JsonNode bootstrap = yaml.readTree(workload.bootstrap(ROOT).toFile());
      JsonNode node = bootstrap.path("node");
      assertThat(node.path("id").asText()).isEqualTo(workload.nodeId());
      assertThat(node.path("cluster").asText()).isEqualTo(workload.service());
      JsonNode metadata = node.path("metadata");
      assertThat(metadata.path("attache.outbound_port").asInt()).isEqualTo(workload.outboundPort());
      assertThat(metadata.path("attache.inbound_port").asInt()).isEqualTo(workload.inboundPort());
      assertThat(metadata.path("attache.app_port").asInt()).isEqualTo(workload.appPort());
      assertThat(
              bootstrap
                  .path("admin")
                  .path("address")
                  .path("socket_address")
                  .path("port_value")
                  .asInt())
          .isEqualTo(workload.adminPort());
    }
  }

  @Test
  void noTwoWorkloadsShareAPort() {
    assertThat(DemoTopology.allPorts()).doesNotHaveDuplicates();
  }

  @Test
  void aPortBaseMovesEveryPortOfABootstrapCopyAndNothingElse() throws Exception {
    Workload orders = DemoTopology.workload("orders");
    String bootstrap = java.nio.file.Files.readString(orders.bootstrap(ROOT));

    String moved = TokenBootstrap.shiftPorts(bootstrap, DemoTopology.allPorts(), 10000);

    JsonNode copy = new ObjectMapper(new YAMLFactory()).readTree(moved);
    Workload shifted = orders.shifted(10000);
    assertThat(copy.path("node").path("metadata").path("attache.outbound_port").asInt())
        .isEqualTo(shifted.outboundPort());
    assertThat(copy.path("node").path("metadata").path("attache.app_port").asInt())
        .isEqualTo(shifted.appPort());
    assertThat(copy.path("admin").path("address").path("socket_address").path("port_value").asInt())
        .isEqualTo(shifted.adminPort());
    assertThat(moved).contains("port_value: " + (DemoTopology.XDS_PORT + 10000));
    assertThat(moved.lines().count()).isEqualTo(bootstrap.lines().count());
  }
}
