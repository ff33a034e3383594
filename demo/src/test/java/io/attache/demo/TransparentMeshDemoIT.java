package io.attache.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.testing.netns.NetnsExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs {@code ./attache up --transparent} as the launcher does (the demo jar as its own process, as
 * root) and makes one call the way the demo tells a user to: {@code curl} in orders' network
 * namespace to payments' plain address, no proxy named. iptables hands it to orders' sidecar, which
 * speaks mTLS to payments (the payments app sees orders' SPIFFE ID, proved by its certificate) and
 * sets a request id; its admin counters show the connections it was handed and the retries it made
 * for the app. Stopping the demo deletes its namespaces, and the rules in them. Needs root (see
 * {@link NetnsExtension}); run it under {@code flock /tmp/attache-verify.lock}.
 */
@ExtendWith(NetnsExtension.class)
class TransparentMeshDemoIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String ORDERS_ID = "spiffe://attache.local/ns/default/sa/orders";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES) // five JVMs start on a shared 2-core machine
  void aPlainCallFromOrdersNamespaceIsInterceptedAndGetsMutualTlsARequestIdAndRetries()
      throws Exception {
    int base = DemoRuns.freePortBase(25_000);
    Workload orders = DemoTopology.workload("orders").shifted(base - MeshDemo.DEFAULT_PORT_BASE);
    String namespace = TransparentOrders.namespaceName(base);
    Path output = Files.createTempFile("attache-up-transparent", ".log");
    Process demo = startDemo(base, output);
    try {
      await("the demo to send both rounds and keep running")
          .atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                String report = Files.readString(output, StandardCharsets.UTF_8);
                assertThat(demo.isAlive()).as("the demo is still running: %s", report).isTrue();
                return report.contains("Running. Ctrl-C stops everything");
              });
      assertThat(Files.readString(output, StandardCharsets.UTF_8))
          .contains(
              "sudo ip netns exec "
                  + namespace
                  + " curl -si http://"
                  + TransparentOrders.PAYMENTS_ADDRESS
                  + ":8080/charge");
      String outbound = "listener.127.0.0.1_" + orders.outboundPort() + ".downstream_cx_total";
      long handedBefore = stats(orders).getOrDefault(outbound, 0L);

      String[] reply =
          run(
                  "ip",
                  "netns",
                  "exec",
                  namespace,
                  "curl",
                  "-s",
                  "-m",
                  "20",
                  "-D",
                  "-",
                  "http://" + TransparentOrders.PAYMENTS_ADDRESS + ":8080/charge")
              .split("\r\n\r\n", 2);

      assertThat(reply[0]).as("status line and headers").startsWith("HTTP/1.1 200");
      assertThat(reply[0].toLowerCase(java.util.Locale.ROOT))
          .as("the caller's sidecar set a request id")
          .contains("x-request-id: ");
      JsonNode payments = JSON.readTree(reply[1]);
      assertThat(payments.path("service").asText()).isEqualTo("payments");
      assertThat(payments.path("request_id").asText()).as("request id at the callee").isNotEmpty();
      assertThat(payments.path("caller").asText())
          .as("payments saw the identity orders' sidecar proved with its certificate (mTLS)")
          .isEqualTo(ORDERS_ID);
      Map<String, Long> after = stats(orders);
      assertThat(after.getOrDefault(outbound, 0L))
          .as("iptables handed the plain call to orders' sidecar")
          .isGreaterThan(handedBefore);
      assertThat(after.getOrDefault("cluster.payments.upstream_rq_retry", 0L))
          .as("orders' sidecar retried its app's intercepted calls past the broken payments-2")
          .isPositive();
      assertThat(after.getOrDefault("cluster.payments.ssl.handshake", 0L)).isPositive();
    } finally {
      DemoRuns.stop(demo);
      System.out.println(Files.readString(output, StandardCharsets.UTF_8));
    }
    assertThat(run("ip", "netns", "list"))
        .as("stopping the demo deleted its namespaces")
        .doesNotContain(namespace);
  }

  private static Process startDemo(int base, Path output) throws IOException {
    return new ProcessBuilder(
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
                Integer.toString(base),
                "--transparent"))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  /** orders' sidecar's counters, through the demo's bridge from the host to its admin port. */
  private static Map<String, Long> stats(Workload orders) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + orders.adminPort() + "/stats"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Map<String, Long> stats = new TreeMap<>();
    for (String line : response.body().split("\n")) {
      int colon = line.lastIndexOf(": ");
      if (colon > 0 && line.substring(colon + 2).strip().matches("\\d+")) {
        stats.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).strip()));
      }
    }
    return stats;
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    return out;
  }
}
