package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ./attache up --with-envoy --once} as the launcher runs it: orders behind a stock Envoy
 * sidecar, web and payments behind Attaché proxies, all fed by one control plane. The same checks
 * as {@link MeshDemoIT} then hold through the Envoy hop: its retries and ejection of the broken
 * payments instance, mutual TLS in (web's Attaché → orders' Envoy) and out (orders' Envoy →
 * payments' Attaché), with each side's SPIFFE ID seen by the next app. Ports are a free base
 * ({@code --port-base auto}), so it runs beside anything.
 */
@ExtendWith(StockEnvoyExtension.class)
class MixedMeshDemoIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void ordersBehindAStockEnvoyJoinsTheMeshAndThePolicyWorksThroughIt(Envoy envoy) throws Exception {
    Path binary =
        envoy
            .binaryPath()
            .orElseThrow(
                () -> new AssertionError("the demo runs an Envoy binary, not a container"));
    Path output = Files.createTempFile("attache-up-envoy", ".log");
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
                    "--port-base",
                    "auto",
                    "--with-envoy",
                    "--envoy-binary",
                    binary.toString(),
                    "--once"))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean finished = demo.waitFor(4, TimeUnit.MINUTES);
    if (!finished) {
      demo.destroy();
      demo.waitFor(30, TimeUnit.SECONDS);
    }
    String report = Files.readString(output, StandardCharsets.UTF_8);
    System.out.println(report);

    assertThat(finished).as("the demo finished within 4 minutes").isTrue();
    assertThat(demo.exitValue()).as(report).isZero();
    assertThat(report)
        .containsPattern("orders\\s+app :\\d+\\s+stock Envoy \\(pid \\d+\\)")
        .contains("All checks passed.")
        .contains("40 requests → 40 × 200")
        .contains("acknowledged by all 4 proxies")
        .contains("mixed mesh: orders' sidecar is envoy")
        .contains("orders saw callers [spiffe://attache.local/ns/default/sa/web]")
        .contains("payments saw callers [spiffe://attache.local/ns/default/sa/orders]")
        .doesNotContain("CHECK FAILED");
  }
}
