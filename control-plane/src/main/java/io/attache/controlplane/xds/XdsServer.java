package io.attache.controlplane.xds;

import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC endpoint proxies connect to: ADS (state of the world and delta) and the per-type
 * discovery services, all backed by java-control-plane's V3DiscoveryServer. Every service sits
 * behind the {@link XdsAuthenticator}, so no request reaches the discovery server without its
 * authenticated identity written into its node, and then behind the {@link XdsStreamGuard}, so none
 * reaches it that it must not see and no stream ends without releasing what it held. The streams'
 * handlers run on a bounded pool of the server's own (a work-stealing pool: a burst of ACKs after a
 * push is worked off by the same few threads instead of waking, and parking, one thread per
 * message), or on gRPC's shared unbounded pool when asked. Knows nothing of policy.
 */
public final class XdsServer implements AutoCloseable {

  /** Handler threads: 0 runs the handlers on gRPC's shared, unbounded, cached thread pool. */
  public static final int SHARED_GRPC_POOL = 0;

  /**
   * Twice the cores, at least 4: the handlers are CPU work, but a stream's start may wait on the
   * store for its bootstrap token, so a few more threads than cores keep the cores busy meanwhile.
   */
  public static final int DEFAULT_HANDLER_THREADS =
      Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  private final Server server;
  private final Optional<ExecutorService> handlers;

  private XdsServer(Server server, Optional<ExecutorService> handlers) {
    this.server = server;
    this.handlers = handlers;
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
        XdsAuthenticator.anonymous(),
        DEFAULT_HANDLER_THREADS);
  }

  public static XdsServer start(
      InetSocketAddress address,
      V3DiscoveryServer discovery,
      XdsStreamGuard guard,
      TransportSecurity security,
      XdsAuthenticator authenticator,
      int handlerThreads)
      throws IOException {
    if (handlerThreads < 0) {
      throw new IllegalArgumentException("handler threads must not be negative: " + handlerThreads);
    }
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address);
    security.configure(builder);
    Optional<ExecutorService> handlers =
        handlerThreads == SHARED_GRPC_POOL ? Optional.empty() : Optional.of(pool(handlerThreads));
    handlers.ifPresent(builder::executor);
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
    try {
      return new XdsServer(builder.build().start(), handlers);
    } catch (IOException | RuntimeException e) {
      handlers.ifPresent(ExecutorService::shutdownNow);
      throw e;
    }
  }

  /**
   * FIFO work-stealing workers, named for thread dumps; gRPC serialises each call's callbacks
   * itself, so their order per stream does not depend on the pool.
   */
  private static ExecutorService pool(int threads) {
    return new ForkJoinPool(
        threads,
        pool -> {
          ForkJoinWorkerThread worker =
              ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
          worker.setName("xds-handler-" + worker.getPoolIndex());
          worker.setDaemon(true);
          return worker;
        },
        null,
        true);
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
    } finally {
      handlers.ifPresent(ExecutorService::shutdownNow);
    }
  }
}
