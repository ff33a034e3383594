package io.attache.controlplane.replica;

import io.attache.controlplane.cli.ControlPlaneMain;
import io.attache.controlplane.testing.RestClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One control-plane replica as its own JVM ({@code ControlPlaneMain --store ...}) on ports picked
 * once, so a restarted replica comes back where its proxies look for it. Killed (SIGKILL), stopped
 * (SIGTERM, the shutdown hook runs) and started again by the test that owns it, always through its
 * own process handle. Its output goes to a file the failure messages quote.
 */
final class ReplicaProcess implements AutoCloseable {

  private final String name;
  private final List<String> arguments;
  private final Path log;
  private final int xdsPort;
  private final int httpPort;
  private Process process;

  private ReplicaProcess(String name, List<String> arguments, Path log, int xdsPort, int httpPort) {
    this.name = name;
    this.arguments = arguments;
    this.log = log;
    this.xdsPort = xdsPort;
    this.httpPort = httpPort;
  }

  /** A replica of {@code store}; {@code extra} are more command-line options. */
  static ReplicaProcess create(String name, Path dir, String store, List<String> extra)
      throws IOException {
    int xds = freePort();
    int http = freePort();
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(
            "--xds-host",
            "127.0.0.1",
            "--xds-port",
            Integer.toString(xds),
            "--http-port",
            Integer.toString(http),
            "--data-dir",
            dir.resolve(name).toString(),
            "--store",
            store));
    args.addAll(extra);
    return new ReplicaProcess(name, args, dir.resolve(name + ".log"), xds, http);
  }

  void start() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(ControlPlaneMain.class.getName());
    command.addAll(arguments);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  /** SIGKILL: no shutdown hook, no goodbye to its proxies or the database. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the control plane closes its servers and store, as in a rolling restart. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** For Awaitility's failFast: a replica that died will not become ready. */
  void assertAlive() {
    if (!alive()) {
      throw new AssertionError(describe());
    }
  }

  int xdsPort() {
    return xdsPort;
  }

  RestClient rest() {
    return new RestClient(httpPort);
  }

  /** The status of GET /readyz, or -1 when nothing answers. */
  int readiness() {
    try {
      return rest().get("/readyz").statusCode();
    } catch (UncheckedIOException notListening) {
      return -1;
    }
  }

  String describe() {
    String out;
    try {
      out = Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      out = e.toString();
    }
    return name
        + (alive() ? " (running)" : process == null ? " (not started)" : " (exited)")
        + ":\n"
        + out.substring(Math.max(0, out.length() - 4000));
  }

  @Override
  public String toString() {
    return name;
  }

  @Override
  public void close() throws InterruptedException {
    if (alive()) {
      stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
