package io.attache.controlplane.differential;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import java.time.Duration;

/**
 * An Attaché proxy started in this JVM from the shared bootstrap, with one worker event loop (as
 * the Envoy half runs with {@code --concurrency 1}, so per-worker load balancer state matches).
 * Runs on every build; must never be configured by anything but the bootstrap and xDS.
 */
public final class AttacheDataPlane implements DataPlaneUnderTest {

  private final ProxyServer proxy;
  private final MeshBootstrap bootstrap;

  private AttacheDataPlane(ProxyServer proxy, MeshBootstrap bootstrap) {
    this.proxy = proxy;
    this.bootstrap = bootstrap;
  }

  public static AttacheDataPlane start(MeshBootstrap bootstrap) throws Exception {
    return new AttacheDataPlane(
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap.yaml(), false),
            new ProxyOptions(1, Duration.ofSeconds(1))),
        bootstrap);
  }

  @Override
  public String name() {
    return "attache";
  }

  @Override
  public int outboundPort() {
    return bootstrap.outboundPort();
  }

  @Override
  public int adminPort() {
    return proxy.adminAddress().getPort();
  }

  @Override
  public void close() {
    proxy.drainAndStop(Duration.ZERO);
  }
}
