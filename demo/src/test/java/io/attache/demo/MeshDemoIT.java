package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code ./attache up} the way the launcher does — the demo jar as its own process, over the
 * packaged control plane and proxy jars — with {@code --once}, and checks what it reported: no
 * policy lets the broken payments instance reach the user; one PUT of the defaults makes every
 * request succeed through retries and an ejection, with one request id at every hop and every
 * proxy's ACK, and turns on mutual TLS: payments sees orders' SPIFFE ID, proved by its proxy.
 */
class MeshDemoIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void upRunsTheWholeMeshAndTheCompanyPolicyFixesTheFlakyService() throws Exception {
    Path output = Files.createTempFile("attache-up", ".log");
    Process demo =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar",
                    ROOT.resolve("demo/target/attache-demo.jar").toString(),
                    "--root",
                    ROOT.toString(),
                    "--proxy-jar",
                    ROOT.resolve("data-plane/target/attache-proxy.jar").toString(),
                    "--control-plane-jar",
                    ROOT.resolve("control-plane/target/attache-control-plane.jar").toString(),
                    "--proxy-java-opts",
                    "-XX:+UseSerialGC -Xmx96m -XX:TieredStopAtLevel=1",
                    "--once"))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean finished = demo.waitFor(4, TimeUnit.MINUTES);
    if (!finished) {
      demo.destroy();
      demo.waitFor(30, TimeUnit.SECONDS);
    }
    String report = read(output);
    System.out.println(report);

    assertThat(finished).as("the demo finished within 4 minutes").isTrue();
    assertThat(demo.exitValue()).as(report).isZero();
    assertThat(report)
        .contains("All checks passed.")
        .contains("40 requests → 40 × 200")
        .contains("acknowledged by all 4 proxies")
        .contains("one x-request-id at every hop: yes")
        .contains("calls between proxies are mTLS")
        .contains("payments saw callers [spiffe://attache.local/ns/default/sa/orders]")
        .doesNotContain("CHECK FAILED");
    assertThat(report)
        .containsPattern("1\\. No policy yet[^\\n]*\\n\\s+40 requests → \\d+ × 200 \\d+ × 502");
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
