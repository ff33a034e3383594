package io.attache.testing.envoy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One Envoy child process: its output goes to a file (read on failure), its admin address is read
 * from the file Envoy writes once the admin endpoint listens. Stopped by its own handle — SIGTERM,
 * then SIGKILL after a bounded wait — never by name.
 */
final class EnvoyProcess implements RunningEnvoy {

  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final Process process;
  private final Path log;
  private final InetSocketAddress adminAddress;

  private EnvoyProcess(String name, Process process, Path log, InetSocketAddress adminAddress) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.adminAddress = adminAddress;
  }

  static EnvoyProcess start(String name, List<String> command, Path log, Path adminAddressFile)
      throws IOException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    process.getOutputStream().close();
    try {
      InetSocketAddress admin =
          Awaitility.await("admin address of Envoy " + name)
              .atMost(Envoy.STARTUP_TIMEOUT)
              .pollInterval(Duration.ofMillis(50))
              .failFast(
                  "Envoy " + name + " exited",
                  () -> !process.isAlive() && !hasAddress(adminAddressFile))
              .until(() -> readAddress(adminAddressFile), a -> a != null);
      return new EnvoyProcess(name, process, log, admin);
    } catch (ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
      stop(process);
      throw new IOException(
          "Envoy "
              + name
              + " did not open its admin endpoint ("
              + e.getMessage()
              + "); command "
              + String.join(" ", command)
              + "; exit "
              + (process.isAlive() ? "none" : process.exitValue())
              + "; output:\n"
              + read(log),
          e);
    }
  }

  private static boolean hasAddress(Path file) {
    return readAddress(file) != null;
  }

  /** Envoy writes {@code 127.0.0.1:PORT} once the admin listener is bound; null before. */
  private static InetSocketAddress readAddress(Path file) {
    try {
      if (!Files.exists(file)) {
        return null;
      }
      String text = Files.readString(file).strip();
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        return null;
      }
      return new InetSocketAddress(
          text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    } catch (IOException | NumberFormatException partlyWritten) {
      return null;
    }
  }

  @Override
  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  @Override
  public String output() {
    return read(log);
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    stop(process);
  }

  @Override
  public String toString() {
    return "Envoy " + name + " (pid " + process.pid() + ", admin " + adminAddress + ")";
  }

  private static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
