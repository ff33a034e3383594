package io.attache.controlplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ControlPlaneMainTest {

  @Test
  void defaultsToTheDocumentedPortsAndDataDirectory() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main).parseArgs();

    assertThat(main.xdsPort).isEqualTo(18000);
    assertThat(main.httpPort).isEqualTo(18080);
    assertThat(main.httpHost).isEqualTo("127.0.0.1");
    assertThat(main.dataDir).isEqualTo(Path.of("./data"));
    assertThat(main.quietPeriod).isEqualTo(Duration.ofMillis(100));
    assertThat(main.maxDelay).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void takesPortsDataDirectoryAndDebounceFromTheCommandLine() {
    ControlPlaneMain main = new ControlPlaneMain();
    new CommandLine(main)
        .parseArgs(
            "--xds-port",
            "19000",
            "--http-port",
            "19080",
            "--data-dir",
            "/tmp/x",
            "--push-quiet-period",
            "2s",
            "--push-max-delay",
            "PT1M");

    assertThat(main.xdsPort).isEqualTo(19000);
    assertThat(main.httpPort).isEqualTo(19080);
    assertThat(main.dataDir).isEqualTo(Path.of("/tmp/x"));
    assertThat(main.quietPeriod).isEqualTo(Duration.ofSeconds(2));
    assertThat(main.maxDelay).isEqualTo(Duration.ofMinutes(1));
  }
}
