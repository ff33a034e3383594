package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.integration.LoadBalancerStatsServiceGrpc;
import io.grpc.testing.integration.Messages.LoadBalancerStatsRequest;
import io.grpc.testing.integration.Messages.LoadBalancerStatsResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc's own PSM interop programs (io.grpc:grpc-interop-testing 1.79.0, XdsTestServer and
 * XdsTestClient, as separate processes on this test JVM's classpath) against the real control
 * plane: ping-pong and round robin, read from the client's LoadBalancerStatsService. The client
 * gets its bootstrap through GRPC_XDS_BOOTSTRAP in its own environment. Every process is bounded in
 * time and ended by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcPsmInteropProgramsIT {

  /**
   * "Greeting: Hello world, this is <host>, from 127.0.0.1/127.0.0.1:<port>" (--print_response).
   */
  private static final Pattern FROM =
      Pattern.compile("Greeting: .*, from \\S*/127\\.0\\.0\\.1:(\\d+)");

  @TempDir static Path dir;

  private InteropControlPlane controlPlane;
  private final List<ChildProcess> processes = new ArrayList<>();
  private final List<Integer> serverPorts = new ArrayList<>();

  @BeforeAll
  void startControlPlaneAndTwoXdsTestServers() throws Exception {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    for (String id : List.of("psm-server-1", "psm-server-2")) {
      int port = ChildProcess.freePort();
      int maintenance = ChildProcess.freePort();
      processes.add(
          ChildProcess.start(
              id,
              dir,
              Map.of(),
              ChildProcess.java(
                  "io.grpc.testing.integration.XdsTestServer",
                  "--port=" + port,
                  "--maintenance_port=" + maintenance,
                  "--server_id=" + id,
                  "--secure_mode=false")));
      serverPorts.add(port);
    }
    for (int i = 0; i < serverPorts.size(); i++) {
      int port = serverPorts.get(i);
      ChildProcess server = processes.get(i);
      await()
          .atMost(Duration.ofSeconds(30))
          .failFast(server::assertAlive)
          .until(() -> ChildProcess.accepts(port));
    }
  }

  @AfterAll
  void stopEverything() throws Exception {
    for (ChildProcess process : processes) {
      process.close();
    }
    controlPlane.close();
  }

  @Test
  void pingPongEveryRpcSucceedsThroughTheControlPlanesConfig() throws Exception {
    controlPlane.put("/api/v1/services/psm-ping-pong", service(serverPorts.get(0)));
    ChildProcess client = startClient("psm-ping-pong");

    LoadBalancerStatsResponse stats = stats(client, 20);

    assertThat(stats.getNumFailures()).as(client.describe()).isZero();
    assertThat(stats.getRpcsByPeerMap().values().stream().mapToInt(Integer::intValue).sum())
        .isEqualTo(20);
    assertThat(fromPorts(client)).as(client.describe()).containsOnlyKeys(serverPorts.get(0));
  }

  @Test
  void roundRobinSpreadsRpcsEvenlyAcrossBothServers() throws Exception {
    controlPlane.put(
        "/api/v1/services/psm-round-robin", service(serverPorts.get(0), serverPorts.get(1)));
    ChildProcess client = startClient("psm-round-robin");
    // Both servers report the machine's host name as their peer name, so the per-server split is
    // read from the client's --print_response lines, which name the remote address.
    await()
        .atMost(Duration.ofSeconds(30))
        .failFast(client::assertAlive)
        .until(() -> fromPorts(client).size() == 2);

    LoadBalancerStatsResponse stats = stats(client, 40);
    List<Integer> last = lastFromPorts(client, 20);

    Map<Integer, Long> split =
        last.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    System.out.printf("PSM round robin: last 20 RPCs by server port %s, stats %s%n", split, stats);
    assertThat(stats.getNumFailures()).as(client.describe()).isZero();
    assertThat(split).containsOnlyKeys(serverPorts.get(0), serverPorts.get(1));
    assertThat(split.values()).allMatch(n -> n >= 9 && n <= 11);
  }

  private ChildProcess startClient(String service) throws IOException {
    String nodeId = "psm-client-" + service;
    Path bootstrap =
        Files.writeString(
            dir.resolve(nodeId + ".json"),
            """
            {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                              "server_features": ["xds_v3"]}],
             "node": {"id": "%s", "cluster": "psm-interop", "locality": {"zone": "test"}}}
            """
                .formatted(controlPlane.xdsPort(), nodeId));
    int statsPort = ChildProcess.freePort();
    ChildProcess client =
        ChildProcess.start(
            nodeId,
            dir,
            Map.of("GRPC_XDS_BOOTSTRAP", bootstrap.toString()),
            ChildProcess.java(
                "io.grpc.testing.integration.XdsTestClient",
                "--server=xds:///" + service,
                "--stats_port=" + statsPort,
                "--qps=40",
                "--num_channels=1",
                "--print_response=true"));
    processes.add(client);
    await()
        .atMost(Duration.ofSeconds(30))
        .failFast(client::assertAlive)
        .until(() -> ChildProcess.accepts(statsPort));
    clientStatsPorts.put(client, statsPort);
    return client;
  }

  private final Map<ChildProcess, Integer> clientStatsPorts = new java.util.HashMap<>();

  /** GetClientStats: waits (bounded by timeout_sec) for the next numRpcs RPCs the client sends. */
  private LoadBalancerStatsResponse stats(ChildProcess client, int numRpcs)
      throws InterruptedException {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", clientStatsPorts.get(client))
            .usePlaintext()
            .build();
    try {
      return LoadBalancerStatsServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(40, TimeUnit.SECONDS)
          .getClientStats(
              LoadBalancerStatsRequest.newBuilder().setNumRpcs(numRpcs).setTimeoutSec(30).build());
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Map<Integer, Long> fromPorts(ChildProcess client) {
    return allFromPorts(client).stream()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  private static List<Integer> lastFromPorts(ChildProcess client, int n) {
    List<Integer> all = allFromPorts(client);
    return all.subList(Math.max(0, all.size() - n), all.size());
  }

  private static List<Integer> allFromPorts(ChildProcess client) {
    List<Integer> ports = new ArrayList<>();
    Matcher matcher = FROM.matcher(client.output());
    while (matcher.find()) {
      ports.add(Integer.parseInt(matcher.group(1)));
    }
    return ports;
  }

  private static String service(int... ports) {
    return "{\"port\": 50051, \"protocol\": \"GRPC\", \"endpoints\": ["
        + java.util.Arrays.stream(ports)
            .mapToObj(p -> "{\"address\": \"127.0.0.1\", \"port\": " + p + "}")
            .collect(Collectors.joining(", "))
        + "]}";
  }
}
