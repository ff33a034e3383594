package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.lb.LbContext;
import io.attache.dataplane.xds.Versioned;
import io.attache.dataplane.xds.XdsSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A host that leaves its cluster takes its connection pools with it: the idle connection a real
 * pool keeps to a real loopback server is closed once the endpoint is gone (EDS here; an
 * ORIGINAL_DST host swept by {@code cleanup_interval} leaves the same way).
 */
class RemovedHostPoolsTest {
  private final ClusterRuntime runtime = start();
  private final EventLoopGroup loops = Transports.newEventLoopGroup(1, "removed-host-pools");

  private static ClusterRuntime start() {
    try {
      return ClusterRuntime.start(List.of(), new StatsStore(), RandomSource.seeded(1));
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    runtime.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void anEndpointRemovedFromItsClusterHasItsIdlePooledConnectionClosed() throws Exception {
    try (ServerSocket upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      upstream.setSoTimeout(30_000);
      apply(endpoint("127.0.0.1", upstream.getLocalPort()));
      ClusterHandle backend = runtime.get("backend");
      EventLoop loop = loops.next();

      UpstreamLease lease =
          loop.submit(() -> backend.pool(loop, backend.chooseHost(LbContext.NONE), false).acquire())
              .get(30, TimeUnit.SECONDS)
              .get(30, TimeUnit.SECONDS);
      try (Socket accepted = upstream.accept()) {
        loop.submit(() -> lease.release(true)).get(30, TimeUnit.SECONDS);
        accepted.setSoTimeout(30_000);

        apply(endpoint("127.0.0.2", upstream.getLocalPort()));

        InputStream in = accepted.getInputStream();
        assertThat(in.read()).as("the removed host's idle connection was closed").isEqualTo(-1);
      }
    }
  }

  private void apply(ClusterLoadAssignment endpoints) throws ConfigException {
    Cluster eds =
        Cluster.newBuilder()
            .setName("backend")
            .setType(Cluster.DiscoveryType.EDS)
            .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))
            .build();
    TreeMap<String, Versioned<Cluster>> clusters = new TreeMap<>();
    clusters.put("backend", new Versioned<>(eds, "1", Instant.EPOCH));
    TreeMap<String, Versioned<ClusterLoadAssignment>> assignments = new TreeMap<>();
    assignments.put("backend", new Versioned<>(endpoints, "1", Instant.EPOCH));
    runtime.commit(
        runtime.prepare(new XdsSnapshot(new TreeMap<>(), new TreeMap<>(), clusters, assignments)),
        Duration.ZERO);
  }

  private static ClusterLoadAssignment endpoint(String ip, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName("backend")
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress(ip)
                                                .setPortValue(port))))))
        .build();
  }
}
