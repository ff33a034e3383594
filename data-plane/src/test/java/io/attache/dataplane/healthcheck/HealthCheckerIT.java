package io.attache.dataplane.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import com.sun.net.httpserver.HttpServer;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.transport.Transports;
import io.attache.dataplane.upstream.ClusterManager;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.dns.FakeDnsResolver;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.type.v3.Percent;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets: the checker probes servers on 127.0.0.1 while the test drives virtual time. */
class HealthCheckerIT {
  private final StatsStore stats = new StatsStore();
  private final VirtualTime time = new VirtualTime();
  private final EventLoopGroup group = Transports.newEventLoopGroup(1, "hc-it");
  private ClusterManager manager;
  private HealthChecker checker;
  private HttpServer http;
  private ServerSocket tcp;

  @AfterEach
  void tearDown() throws IOException {
    if (checker != null) {
      checker.close();
    }
    if (manager != null) {
      manager.close();
    }
    if (http != null) {
      http.stop(0);
    }
    if (tcp != null) {
      tcp.close();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    assertThat(time.pending()).as("%s", time).isEmpty();
  }

  private UpstreamCluster start(int port, HealthCheck.Builder check) throws ConfigException {
    Cluster proto =
        Cluster.newBuilder()
            .setName("backend")
            .setType(Cluster.DiscoveryType.STATIC)
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
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
                                                            .setAddress("127.0.0.1")
                                                            .setPortValue(port)))))))
            .addHealthChecks(check)
            .build();
    UpstreamContext context =
        new UpstreamContext(stats, new FakeDnsResolver(), time, RandomSource.seeded(9));
    manager = ClusterManager.create(List.of(proto), "static_resources.clusters", context);
    manager.start();
    UpstreamCluster cluster = manager.cluster("backend").orElseThrow();
    checker = HealthChecker.create(cluster, context, group);
    return cluster;
  }

  private static HealthCheck.Builder check() {
    return HealthCheck.newBuilder()
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5))
        .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1))
        .setUnhealthyThreshold(UInt32Value.of(2))
        .setHealthyThreshold(UInt32Value.of(1));
  }

  private long counter(String stat) {
    return stats.counter("cluster.backend.health_check." + stat).value();
  }

  @Test
  void anHttpCheckFollowsTheServerFrom200To503AndBack() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    List<String> seen = new CopyOnWriteArrayList<>();
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/healthz",
        exchange -> {
          seen.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI()
                  + " host="
                  + exchange.getRequestHeaders().getFirst("Host")
                  + " ua="
                  + exchange.getRequestHeaders().getFirst("User-Agent")
                  + " x-probe="
                  + exchange.getRequestHeaders().getFirst("X-Probe"));
          exchange.sendResponseHeaders(status.get(), -1);
          exchange.close();
        });
    http.start();
    UpstreamCluster cluster =
        start(
            http.getAddress().getPort(),
            check()
                .setHttpHealthCheck(
                    HealthCheck.HttpHealthCheck.newBuilder()
                        .setPath("/healthz")
                        .addRequestHeadersToAdd(
                            HeaderValueOption.newBuilder()
                                .setHeader(
                                    HeaderValue.newBuilder().setKey("x-probe").setValue("1")))));
    Host host = cluster.prioritySet().allHosts().get(0);
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).as("not yet checked").isEmpty();

    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("success") == 1);

    assertThat(host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC)).isFalse();
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).contains(host);
    assertThat(seen).containsExactly("GET /healthz host=backend ua=Envoy/HC x-probe=1");

    status.set(503);
    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("failure") == 1);

    assertThat(host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC))
        .as("an unexpected status fails at once")
        .isTrue();
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).isEmpty();
    assertThat(counter("network_failure")).isZero();
    assertThat(counter("attempt")).isEqualTo(2);

    status.set(200);
    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("success") == 2);
    assertThat(cluster.loadBalancer().chooseHost(LbContext.NONE)).contains(host);
  }

  @Test
  void aTcpCheckSendsAndMatchesPayloadsAndCountsARefusedConnectAsNetworkFailure() throws Exception {
    tcp = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"));
    Thread server =
        new Thread(
            () -> {
              while (!tcp.isClosed()) {
                try (Socket socket = tcp.accept()) {
                  InputStream in = socket.getInputStream();
                  byte[] ping = in.readNBytes(4);
                  OutputStream out = socket.getOutputStream();
                  if (new String(ping, StandardCharsets.US_ASCII).equals("PING")) {
                    out.write("+PONG\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                  }
                  in.read(); // until the checker closes (reuse_connection: false)
                } catch (IOException e) {
                  return;
                }
              }
            },
            "tcp-hc-it-server");
    server.setDaemon(true);
    server.start();
    UpstreamCluster cluster =
        start(
            tcp.getLocalPort(),
            check()
                .setReuseConnection(com.google.protobuf.BoolValue.of(false))
                .setTcpHealthCheck(
                    HealthCheck.TcpHealthCheck.newBuilder()
                        .setSend(HealthCheck.Payload.newBuilder().setText("50494e47"))
                        .addReceive(HealthCheck.Payload.newBuilder().setText("504f4e47"))));
    Host host = cluster.prioritySet().allHosts().get(0);

    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("success") == 1);
    assertThat(host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC)).isFalse();

    tcp.close();
    server.join(5000);
    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("network_failure") == 1);
    assertThat(host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC))
        .as("1 of 2 network failures")
        .isFalse();
    time.runNext();
    await().atMost(Duration.ofSeconds(10)).until(() -> counter("network_failure") == 2);
    assertThat(host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC)).isTrue();
  }
}
