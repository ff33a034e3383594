package io.attache.controlplane.cli;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.testing.RestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the control plane as a separate process, makes acknowledged writes, kills it with SIGKILL
 * (no shutdown hook, no flush) and finds every acknowledged write after a restart; and stops it
 * with SIGTERM, as an init system would, expecting a clean exit 0.
 */
class ControlPlaneKillIT {

  private static final Pattern LISTENING =
      Pattern.compile("xDS on [^:]+:(\\d+), REST admin API on http://[^:]+:(\\d+)");

  @TempDir Path dataDir;

  private Process process;

  @AfterEach
  void killLeftovers() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void keepsEveryAcknowledgedWriteAcrossKillMinus9() throws Exception {
    RestClient rest = new RestClient(start());
    for (int i = 0; i < 10; i++) {
      String body = "{\"endpoints\":[{\"address\":\"10.0.0." + (i + 1) + "\",\"port\":9001}]}";
      assertThat(rest.put("/api/v1/services/svc-" + i, body).statusCode()).isEqualTo(201);
    }
    assertThat(rest.put("/api/v1/defaults", "{\"retry\":{\"retry_on\":[\"reset\"]}}").statusCode())
        .isEqualTo(200);

    process.destroyForcibly();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();

    RestClient restarted = new RestClient(start());
    assertThat(json(restarted.get("/api/v1/services")).get("items")).hasSize(10);
    assertThat(
            json(restarted.get("/api/v1/services/svc-9"))
                .get("endpoints")
                .get(0)
                .get("address")
                .asText())
        .isEqualTo("10.0.0.10");
    assertThat(json(restarted.get("/api/v1/defaults")).get("retry").get("retry_on").get(0).asText())
        .isEqualTo("reset");
    assertThat(json(restarted.get("/api/v1/revisions")).get("items")).hasSize(11);
  }

  @Test
  void exitsZeroOnSigterm() throws Exception {
    RestClient rest = new RestClient(start());
    assertThat(rest.get("/healthz").statusCode()).isEqualTo(200);

    process.destroy(); // SIGTERM

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
  }

  /** Starts the control plane on free ports; returns the REST port it printed. */
  private int start() throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ControlPlaneMain.class.getName(),
                    "--xds-port",
                    "0",
                    "--http-port",
                    "0",
                    "--data-dir",
                    dataDir.toString()))
            .redirectErrorStream(true)
            .start();
    BufferedReader output =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = output.readLine()) != null) {
      seen.append(line).append('\n');
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        Thread drain =
            new Thread(() -> output.lines().forEach(l -> {}), "drain-control-plane-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(matcher.group(2));
      }
    }
    throw new AssertionError("control plane exited before listening:\n" + seen);
  }
}
