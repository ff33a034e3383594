package io.attache.controlplane.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint proxies connect to: ADS (state of the world and delta) and the per-type
 * discovery services, all backed by java-control-plane's V3DiscoveryServer. Every service sits
 * behind the {@link XdsAuthenticator}, so no request reaches the discovery server without its
 * authenticated identity written into its node. Knows nothing of policy.
 */
public final class XdsServer implements AutoCloseable {

  private final Server server;

  private XdsServer(Server server) {
    this.server = server;
  }

  /** Plaintext, nobody authenticated: streams get config but never secrets. */
  public static XdsServer start(InetSocketAddress address, V3DiscoveryServer discovery)
      throws IOException {
    return start(address, discovery, TransportSecurity.PLAINTEXT, XdsAuthenticator.anonymous());
  }

  public static XdsServer start(
      InetSocketAddress address,
      V3DiscoveryServer discovery,
      TransportSecurity security,
      XdsAuthenticator authenticator)
      throws IOException {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address);
    security.configure(builder);
    for (BindableService service :
        List.of(
            discovery.getAggregatedDiscoveryServiceImpl(),
            discovery.getClusterDiscoveryServiceImpl(),
            discovery.getEndpointDiscoveryServiceImpl(),
            discovery.getListenerDiscoveryServiceImpl(),
            discovery.getRouteDiscoveryServiceImpl(),
            discovery.getSecretDiscoveryServiceImpl())) {
      // The last interceptor sees each request first: the node is filled in, then stamped.
      builder.addService(
          ServerInterceptors.intercept(service, authenticator, new FirstNodeInterceptor()));
    }
    return new XdsServer(builder.build().start());
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
