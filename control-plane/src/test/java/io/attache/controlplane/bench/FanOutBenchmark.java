package io.attache.controlplane.bench;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark (not a test): N simulated proxies hold an ADS stream each and ACK every route
 * configuration they get; measures REST write → last ACK, and heap growth per connected proxy. Run:
 * java -cp <test classpath> io.attache.controlplane.bench.FanOutBenchmark N ROUNDS
 */
public final class FanOutBenchmark {

  private static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  public static void main(String[] args) throws Exception {
    int proxies = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    Path dataDir = Files.createTempDirectory("attache-bench");
    SystemScheduler scheduler = new SystemScheduler();
    try (ControlPlane controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDir,
                Duration.ofMillis(100),
                Duration.ofMillis(500)),
            scheduler,
            Clock.systemUTC())) {
      RestClient rest = new RestClient(controlPlane.httpPort());
      for (int i = 0; i < 20; i++) {
        rest.put(
            "/api/v1/services/svc-" + i,
            "{\"endpoints\":[{\"address\":\"10.0.0." + (i + 1) + "\",\"port\":9001}]}");
      }
      long heapBefore = usedHeapAfterGc();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", controlPlane.xdsPort())
                .usePlaintext()
                .build());
      }
      AtomicLong lastAckNanos = new AtomicLong();
      CountDownLatch[] round = {new CountDownLatch(proxies)};
      for (int i = 0; i < proxies; i++) {
        Node node = Node.newBuilder().setId("bench-" + i).setCluster("team-" + (i % 8)).build();
        StreamObserver<DiscoveryRequest>[] stream = new StreamObserver[1];
        stream[0] =
            AggregatedDiscoveryServiceGrpc.newStub(channels.get(i % channels.size()))
                .streamAggregatedResources(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(DiscoveryResponse response) {
                        synchronized (stream) {
                          stream[0].onNext(
                              DiscoveryRequest.newBuilder()
                                  .setTypeUrl(RDS)
                                  .setVersionInfo(response.getVersionInfo())
                                  .setResponseNonce(response.getNonce())
                                  .addResourceNames("outbound")
                                  .build());
                        }
                        lastAckNanos.accumulateAndGet(System.nanoTime(), Math::max);
                        round[0].countDown();
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    });
        synchronized (stream) {
          stream[0].onNext(
              DiscoveryRequest.newBuilder()
                  .setNode(node)
                  .setTypeUrl(RDS)
                  .addResourceNames("outbound")
                  .build());
        }
      }
      if (!round[0].await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("not every proxy got its initial config");
      }
      long heapAfter = usedHeapAfterGc();
      double[] millis = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        round[0] = new CountDownLatch(proxies);
        long start = System.nanoTime();
        rest.put(
            "/api/v1/defaults",
            "{\"retry\":{\"retry_on\":[\"reset\"],\"num_retries\":" + (r + 1) + "}}");
        if (!round[0].await(120, TimeUnit.SECONDS)) {
          throw new IllegalStateException("round " + r + ": not every proxy ACKed");
        }
        millis[r] = (lastAckNanos.get() - start) / 1e6;
      }
      Arrays.sort(millis);
      System.out.printf(
          "N=%d rounds=%d write->last ACK ms: p50=%.0f p99=%.0f max=%.0f; heap per connected proxy (server+client in one JVM, upper bound): %.1f KB%n",
          proxies,
          rounds,
          millis[rounds / 2],
          millis[(int) Math.ceil(rounds * 0.99) - 1],
          millis[rounds - 1],
          (heapAfter - heapBefore) / 1024.0 / proxies);
      channels.forEach(ManagedChannel::shutdownNow);
    } finally {
      scheduler.close();
    }
  }

  /** Heap in use after full collections (System.gc() returns once the collection is done). */
  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
