package io.attache.testing.envoy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.ToStringConsumer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The fallback where no Envoy binary is found but a Linux Docker engine runs: the official image of
 * the pinned release, with host networking so it reaches the test's servers on 127.0.0.1 exactly as
 * a binary would, and the same flags. Must never be preferred to a binary: it is only as good as
 * the engine it needs.
 */
final class ContainerEnvoy implements Envoy {

  private static final String ADMIN_ADDRESS = "/tmp/admin-address";

  private final String image;
  private final String version;

  ContainerEnvoy(String image, String version) {
    this.image = image;
    this.version = version;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String origin() {
    return "Testcontainers image " + image;
  }

  @Override
  public RunningEnvoy start(String name, String bootstrapYaml, Path workDir) throws IOException {
    ToStringConsumer output = new ToStringConsumer();
    GenericContainer<?> container = container(bootstrapYaml, output);
    container.withCommand(
        "-c",
        "/etc/envoy/attache.yaml",
        "--use-dynamic-base-id",
        "--concurrency",
        "1",
        "--admin-address-path",
        ADMIN_ADDRESS,
        "--drain-time-s",
        "1",
        "-l",
        "info");
    try {
      container.start();
      InetSocketAddress admin =
          Awaitility.await("admin address of Envoy " + name)
              .atMost(STARTUP_TIMEOUT)
              .pollInterval(Duration.ofMillis(200))
              .ignoreExceptions()
              .until(() -> adminAddress(container), a -> a != null);
      return new Running(container, output, admin);
    } catch (RuntimeException e) {
      container.stop();
      throw new IOException(
          "Envoy " + name + " (" + image + ") did not start; output:\n" + output.toUtf8String(), e);
    }
  }

  @Override
  public Validation validate(String name, String bootstrapYaml, Path workDir, String... flags) {
    ToStringConsumer output = new ToStringConsumer();
    GenericContainer<?> container = container(bootstrapYaml, output);
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                "--mode", "validate", "-c", "/etc/envoy/attache.yaml", "-l", "warning"));
    command.addAll(java.util.List.of(flags));
    container.withCommand(command.toArray(String[]::new));
    container.withStartupCheckStrategy(
        new org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy()
            .withTimeout(STARTUP_TIMEOUT));
    try {
      container.start();
      return new Validation(0, output.toUtf8String());
    } catch (RuntimeException failedToValidate) {
      Long exit =
          container.getCurrentContainerInfo() == null
              ? null
              : container.getCurrentContainerInfo().getState().getExitCodeLong();
      return new Validation(exit == null || exit == 0 ? 1 : exit.intValue(), output.toUtf8String());
    } finally {
      container.stop();
    }
  }

  private GenericContainer<?> container(String bootstrapYaml, ToStringConsumer output) {
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image));
    container
        .withNetworkMode("host")
        .withCopyToContainer(
            Transferable.of(bootstrapYaml.getBytes(StandardCharsets.UTF_8)),
            "/etc/envoy/attache.yaml")
        .withLogConsumer(output);
    return container;
  }

  private static InetSocketAddress adminAddress(GenericContainer<?> container) {
    String text =
        container.copyFileFromContainer(
            ADMIN_ADDRESS, in -> new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
    int colon = text.lastIndexOf(':');
    return colon < 0
        ? null
        : new InetSocketAddress(
            text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
  }

  private record Running(
      GenericContainer<?> container, ToStringConsumer log, InetSocketAddress adminAddress)
      implements RunningEnvoy {
    @Override
    public String output() {
      return log.toUtf8String();
    }

    @Override
    public boolean isAlive() {
      return container.isRunning();
    }

    @Override
    public void close() {
      container.stop();
    }
  }
}
