package io.attache.testing.envoy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A stock Envoy the tests can run: a binary on this machine ({@link BinaryEnvoy}) or, where none is
 * found and a Docker engine runs, the matching container image ({@link ContainerEnvoy}). Found by
 * {@link EnvoyLocator}; handed to a test by {@link StockEnvoyExtension}. Every Envoy it starts runs
 * with {@code --use-dynamic-base-id}, {@code --concurrency 1} and an admin port of the kernel's
 * choosing, so tests from several checkouts run side by side; it must never pick a fixed port.
 */
public interface Envoy {

  /** How long a started Envoy may take to open its admin port. */
  Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

  /** The release, e.g. {@code 1.40.0}, as the binary reports it. */
  String version();

  /** Where it was found, for report lines: {@code venv /path/to/envoy}, {@code PATH ...}. */
  String origin();

  /**
   * Starts Envoy on {@code bootstrapYaml} and returns once its admin endpoint is up. The
   * bootstrap's admin address should have {@code port_value: 0}: the port the kernel picked is read
   * back ({@code --admin-address-path}). Its output is kept in {@code workDir}; a start that fails
   * throws with it.
   */
  RunningEnvoy start(String name, String bootstrapYaml, Path workDir)
      throws IOException, InterruptedException;

  /**
   * {@code envoy --mode validate} on {@code bootstrapYaml}, with extra command-line flags (e.g.
   * {@code --service-node}): Envoy's verdict and its reasons.
   */
  Validation validate(String name, String bootstrapYaml, Path workDir, String... flags)
      throws IOException, InterruptedException;

  /**
   * The binary, for a test that must hand it to a program it runs (the demo); empty for the
   * container fallback.
   */
  default java.util.Optional<Path> binaryPath() {
    return java.util.Optional.empty();
  }

  /** One line naming this Envoy, for every report line of a test that ran it. */
  default String describe() {
    return "stock Envoy " + version() + " (" + origin() + ")";
  }

  /**
   * What {@code --mode validate} said.
   *
   * @param exitCode 0 when the configuration is valid
   * @param output what Envoy printed: the reason when it is not
   */
  record Validation(int exitCode, String output) {
    public boolean valid() {
      return exitCode == 0;
    }

    /** The last line Envoy printed: on a refusal, the reason. */
    public String reason() {
      String[] lines = output.strip().split("\n");
      return lines[lines.length - 1].replaceFirst("^\\[[^]]*]\\[[^]]*]\\[[^]]*]\\[[^]]*] ", "");
    }
  }
}
