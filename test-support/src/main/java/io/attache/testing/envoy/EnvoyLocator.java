package io.attache.testing.envoy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Finds the stock Envoy the tests run, in this order: {@code -Dattache.envoy.binary}, {@code
 * ATTACHE_ENVOY_BINARY}, the binary {@code interop/envoy/install.sh} installed for this build (its
 * path in the file {@code -Dattache.envoy.installed} names; Maven writes it before the integration
 * tests), {@code envoy} on {@code PATH}, and last the {@code envoyproxy/envoy} image of the pinned
 * release where a Docker engine runs. A binary named explicitly that does not work ends the search:
 * a developer who named one meant that one. Says where it looked; decides nothing about failing —
 * that is {@link StockEnvoyExtension}'s job.
 */
public final class EnvoyLocator {

  /** The release interop/envoy/install.sh installs; EnvoyInstallIT checks they agree. */
  public static final String PINNED_VERSION = "1.40.0";

  public static final String BINARY_PROPERTY = "attache.envoy.binary";
  public static final String BINARY_ENV = "ATTACHE_ENVOY_BINARY";
  public static final String INSTALLED_PROPERTY = "attache.envoy.installed";
  public static final String IMAGE_PROPERTY = "attache.envoy.image";

  private final UnaryOperator<String> properties;
  private final Map<String, String> env;
  private final BooleanSupplier dockerAvailable;

  EnvoyLocator(
      UnaryOperator<String> properties, Map<String, String> env, BooleanSupplier dockerAvailable) {
    this.properties = properties;
    this.env = env;
    this.dockerAvailable = dockerAvailable;
  }

  /** The locator over this JVM's system properties and environment. */
  public static EnvoyLocator fromEnvironment() {
    return new EnvoyLocator(System::getProperty, System.getenv(), EnvoyLocator::dockerRuns);
  }

  /**
   * The search's outcome: the Envoy found, and one line per place looked at, in order.
   *
   * @param envoy empty when nothing usable was found
   * @param searched what each place held; the last line is where the Envoy came from
   */
  public record Result(Optional<Envoy> envoy, List<String> searched) {
    /** Where it looked and what it found there, one place a line. */
    public String explain() {
      return "  - " + String.join("\n  - ", searched);
    }
  }

  public Result locate() {
    List<String> searched = new ArrayList<>();
    for (String[] explicit :
        new String[][] {
          {"-D" + BINARY_PROPERTY, properties.apply(BINARY_PROPERTY)},
          {BINARY_ENV, env.get(BINARY_ENV)}
        }) {
      String source = explicit[0];
      String value = explicit[1];
      if (value == null || value.isBlank()) {
        searched.add(source + ": not set");
        continue;
      }
      return verdict(BinaryEnvoy.probe(Path.of(value.strip()), source), searched);
    }

    String installed = properties.apply(INSTALLED_PROPERTY);
    if (installed == null || installed.isBlank()) {
      searched.add(
          "interop/envoy/install.sh: -D" + INSTALLED_PROPERTY + " not set (not a Maven run)");
    } else {
      Path pathFile = Path.of(installed);
      String binary = readFirstLine(pathFile);
      if (binary == null) {
        searched.add(
            "interop/envoy/install.sh: "
                + pathFile
                + " does not exist (the install-envoy step did not run)");
      } else {
        Optional<Envoy> found = take(BinaryEnvoy.probe(Path.of(binary), "venv"), searched);
        if (found.isPresent()) {
          return new Result(found, searched);
        }
      }
    }

    String path = env.getOrDefault("PATH", "");
    boolean onPath = false;
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, "envoy");
      if (Files.isExecutable(candidate)) {
        onPath = true;
        Optional<Envoy> found = take(BinaryEnvoy.probe(candidate, "PATH"), searched);
        if (found.isPresent()) {
          return new Result(found, searched);
        }
      }
    }
    if (!onPath) {
      searched.add("PATH: no envoy");
    }

    String image = properties.apply(IMAGE_PROPERTY);
    if (image == null || image.isBlank()) {
      image = "envoyproxy/envoy:v" + PINNED_VERSION;
    }
    if (dockerAvailable.getAsBoolean()) {
      searched.add("Testcontainers: a Docker engine runs; using " + image);
      String tag = image.substring(image.lastIndexOf(':') + 1);
      return new Result(
          Optional.of(new ContainerEnvoy(image, tag.startsWith("v") ? tag.substring(1) : tag)),
          searched);
    }
    searched.add("Testcontainers: no Docker engine is reachable for " + image);
    return new Result(Optional.empty(), searched);
  }

  private static Result verdict(BinaryEnvoy.Found found, List<String> searched) {
    return new Result(take(found, searched), searched);
  }

  private static Optional<Envoy> take(BinaryEnvoy.Found found, List<String> searched) {
    searched.add(
        found.envoy().map(e -> e.origin() + ": Envoy " + e.version()).orElse(found.reason()));
    return found.envoy();
  }

  private static String readFirstLine(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return null;
      }
      String text = Files.readString(file).strip();
      return text.isEmpty() ? null : text.lines().findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static boolean dockerRuns() {
    try {
      return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError noDocker) {
      return false;
    }
  }
}
