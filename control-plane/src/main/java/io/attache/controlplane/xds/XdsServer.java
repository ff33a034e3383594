package io.attache.controlplane.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint proxies connect to: ADS (state of the world and delta) and the per-type
 * discovery services, all backed by java-control-plane's V3DiscoveryServer. Knows nothing of
 * policy.
 */
public final class XdsServer implements AutoCloseable {

  private final Server server;

  private XdsServer(Server server) {
    this.server = server;
  }

  public static XdsServer start(InetSocketAddress address, V3DiscoveryServer discovery)
      throws IOException {
    FirstNodeInterceptor firstNode = new FirstNodeInterceptor();
    Server server =
        NettyServerBuilder.forAddress(address)
            .addService(
                ServerInterceptors.intercept(
                    discovery.getAggregatedDiscoveryServiceImpl(), firstNode))
            .addService(
                ServerInterceptors.intercept(discovery.getClusterDiscoveryServiceImpl(), firstNode))
            .addService(
                ServerInterceptors.intercept(
                    discovery.getEndpointDiscoveryServiceImpl(), firstNode))
            .addService(
                ServerInterceptors.intercept(
                    discovery.getListenerDiscoveryServiceImpl(), firstNode))
            .addService(
                ServerInterceptors.intercept(discovery.getRouteDiscoveryServiceImpl(), firstNode))
            .addService(
                ServerInterceptors.intercept(discovery.getSecretDiscoveryServiceImpl(), firstNode))
            .build()
            .start();
    return new XdsServer(server);
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
