package io.attache.controlplane.differential;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import java.nio.file.Path;

/**
 * A stock Envoy process (the binary {@link io.attache.testing.envoy.EnvoyLocator} found) started
 * from the very bootstrap the Attaché half uses, with one worker thread ({@code --concurrency 1}),
 * so per-worker load-balancer state matches. Stopped by its handle when the harness closes it.
 */
public final class StockEnvoyDataPlane implements DataPlaneUnderTest {

  private final RunningEnvoy envoy;
  private final MeshBootstrap bootstrap;

  private StockEnvoyDataPlane(RunningEnvoy envoy, MeshBootstrap bootstrap) {
    this.envoy = envoy;
    this.bootstrap = bootstrap;
  }

  /** Starts {@code envoy} from each bootstrap it is given; its files go under {@code workDir}. */
  public static DataPlaneUnderTest.Starter starter(Envoy envoy, Path workDir) {
    return bootstrap ->
        new StockEnvoyDataPlane(
            envoy.start(bootstrap.nodeId(), bootstrap.yaml(), workDir), bootstrap);
  }

  @Override
  public String name() {
    return "envoy";
  }

  @Override
  public int outboundPort() {
    return bootstrap.outboundPort();
  }

  @Override
  public int adminPort() {
    return envoy.adminPort();
  }

  @Override
  public void close() {
    envoy.close();
  }
}
