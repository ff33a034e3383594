package io.attache.controlplane.differential;

import java.time.Duration;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * Stock Envoy in a container with host networking (a Linux Docker engine), started from the very
 * bootstrap the Attaché half uses, with one worker thread. Needs Docker; the caller checks for an
 * engine first and skips, saying why, where there is none.
 */
public final class StockEnvoyDataPlane implements DataPlaneUnderTest {

  /** The Envoy release whose API java-control-plane 1.0.49 ships (docs/interop.md). */
  public static final String DEFAULT_IMAGE = "envoyproxy/envoy:v1.34.10";

  private final GenericContainer<?> container;
  private final MeshBootstrap bootstrap;

  private StockEnvoyDataPlane(GenericContainer<?> container, MeshBootstrap bootstrap) {
    this.container = container;
    this.bootstrap = bootstrap;
  }

  public static StockEnvoyDataPlane start(MeshBootstrap bootstrap) {
    GenericContainer<?> envoy =
        new GenericContainer<>(
                DockerImageName.parse(System.getProperty("attache.envoy.image", DEFAULT_IMAGE)))
            .withNetworkMode("host")
            .withCopyToContainer(Transferable.of(bootstrap.yaml()), "/etc/envoy/attache.yaml")
            .withCommand("-c", "/etc/envoy/attache.yaml", "--concurrency", "1", "-l", "info")
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("envoy")))
            .waitingFor(
                Wait.forLogMessage(".*starting main dispatch loop.*", 1)
                    .withStartupTimeout(Duration.ofSeconds(60)));
    envoy.start();
    return new StockEnvoyDataPlane(envoy, bootstrap);
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
    return bootstrap.adminPort();
  }

  @Override
  public void close() {
    container.stop();
  }
}
