package io.attache.controlplane.xds;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which threads run the xDS streams' handlers: the server's own bounded pool, or gRPC's. */
class XdsHandlerThreadsTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;

  /** Names of the threads each request and each ACK was handled on. */
  private final List<String> handlerThreads = new CopyOnWriteArrayList<>();

  private final DiscoveryServerCallbacks recordingThreads =
      new DiscoveryServerCallbacks() {
        @Override
        public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
          handlerThreads.add(Thread.currentThread().getName());
        }

        @Override
        public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
          handlerThreads.add(Thread.currentThread().getName());
        }
      };

  @Test
  void requestsAndAcksAreHandledOnTheServersOwnPoolWhenGivenThreads() throws Exception {
    List<String> threads = threadsHandlingARequestAndItsAck(2);

    assertThat(threads).hasSize(2).allMatch(name -> name.startsWith("xds-handler-"));
  }

  @Test
  void requestsAndAcksAreHandledOnGrpcsSharedPoolWithZeroThreads() throws Exception {
    List<String> threads = threadsHandlingARequestAndItsAck(XdsServer.SHARED_GRPC_POOL);

    assertThat(threads).hasSize(2).noneMatch(name -> name.startsWith("xds-handler-"));
  }

  @Test
  void aNegativeThreadCountIsRefused() {
    assertThatThrownBy(() -> start(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
  }

  private List<String> threadsHandlingARequestAndItsAck(int threads) throws Exception {
    try (XdsServer server = start(threads);
        AdsTestClient client = new AdsTestClient(server.port(), AdsTestClient.node("p1", "web"))) {
      client.request(CDS, "", "", List.of());
      DiscoveryResponse clusters = client.next();
      client.ack(clusters);
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> handlerThreads.size() == 2);
      return List.copyOf(handlerThreads);
    }
  }

  private XdsServer start(int threads) throws Exception {
    SimpleCache<ProxyGroup> cache = new SimpleCache<>(ProxyGroup::of);
    SnapshotPublisher publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(),
            new ManualScheduler(),
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            policy(service("orders", 9001)));
    RefusalLog refusals = new RefusalLog(Clock.systemUTC());
    return XdsServer.start(
        new InetSocketAddress("127.0.0.1", 0),
        new V3DiscoveryServer(List.of(recordingThreads), cache),
        new XdsStreamGuard(XdsLimits.DEFAULT, publisher, refusals),
        TransportSecurity.PLAINTEXT,
        XdsAuthenticator.anonymous(),
        threads);
  }
}
