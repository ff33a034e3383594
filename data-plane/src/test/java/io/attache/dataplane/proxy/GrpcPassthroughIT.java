package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.testing.ProxyHarness;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRPC through the proxy: a real grpc-java client speaking HTTP/2 prior knowledge to the proxy, a
 * real grpc-java server behind an HTTP/2 cluster. Statuses travel in trailers and must arrive.
 */
class GrpcPassthroughIT {
  private Server server;
  private HealthStatusManager health;
  private ProxyHarness proxy;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    health = new HealthStatusManager();
    health.setStatus("orders", ServingStatus.SERVING);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(health.getHealthService())
            .build()
            .start();
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                """
                - match: { prefix: "/grpc.health.v1.Health/" }
                  route: { cluster: grpc_backend, timeout: 0s }
                """,
                staticCluster("grpc_backend", "http2_protocol_options: {}", server.getPort())));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    proxy.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void carriesAUnaryCallAndItsOkStatus() {
    HealthCheckResponse r =
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("orders").build());

    assertThat(r.getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(proxy.stat("cluster.grpc_backend.upstream_rq_200")).isEqualTo(1);
  }

  @Test
  void carriesAnErrorStatusSentInTrailersOnly() {
    assertThatThrownBy(
            () ->
                HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("unknown").build()))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void streamsServerMessagesAsTheyHappen() {
    Iterator<HealthCheckResponse> updates =
        HealthGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .watch(HealthCheckRequest.newBuilder().setService("orders").build());

    assertThat(updates.next().getStatus()).isEqualTo(ServingStatus.SERVING);
    health.setStatus("orders", ServingStatus.NOT_SERVING);
    assertThat(updates.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
  }

  @Test
  void answersAnUnroutedGrpcCallWithUnimplementedStatus() throws Exception {
    java.util.concurrent.CompletableFuture<Throwable> failure =
        new java.util.concurrent.CompletableFuture<>();
    io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionRequest> requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1.ServerReflectionResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    failure.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    failure.complete(null);
                  }
                });
    requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.getDefaultInstance());

    Throwable t = failure.get(5, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(t).getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(proxy.stat("http.ingress.no_route")).isEqualTo(1);
  }
}
