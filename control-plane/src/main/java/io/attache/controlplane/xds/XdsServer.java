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
 * authenticated identity written into its node, and then behind the {@link XdsStreamGuard}, so none
 * reaches it that it must not see and no stream ends without releasing what it held. Knows nothing
 * of policy.
 */
public final class XdsServer implements AutoCloseable {

  private final Server server;

  private XdsServer(Server server) {
    this.server = server;
  }

  /**
   * Plaintext, nobody authenticated (streams get config but never secrets), default limits; each
   * stream's node group is served by {@code publisher}.
   */
  public static XdsServer start(
      InetSocketAddress address, V3DiscoveryServer discovery, SnapshotPublisher publisher)
      throws IOException {
    RefusalLog refusals = new RefusalLog(java.time.Clock.systemUTC());
    return start(
        address,
        discovery,
        new XdsStreamGuard(XdsLimits.DEFAULT, publisher, refusals),
        TransportSecurity.PLAINTEXT,
        XdsAuthenticator.anonymous());
  }

  public static XdsServer start(
      InetSocketAddress address,
      V3DiscoveryServer discovery,
      XdsStreamGuard guard,
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
      // The last interceptor sees each request first: the node is stamped, then guarded.
      builder.addService(ServerInterceptors.intercept(service, guard, authenticator));
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
