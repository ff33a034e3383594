package io.attache.demo.netns;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace {@code ./attache up --transparent} creates ({@code ip netns add}), loopback
 * up, with the processes it runs in it and the Unix-socket bridges that join it to the host's
 * loopback. Closing it stops those processes and deletes it — with it go its interfaces and the
 * iptables rules installed in it. It never adds an interface, a route or a rule to the host's own
 * namespace: the host side of a bridge is a Unix socket and a process on the host's loopback.
 */
public final class DemoNamespace implements AutoCloseable {

  private static final long COMMAND_TIMEOUT_SECONDS = 30;
  private static final long STOP_GRACE_SECONDS = 15;

  private final String name;
  private final Path socketDir;
  private final List<Process> started = new ArrayList<>();

  private DemoNamespace(String name, Path socketDir) {
    this.name = name;
    this.socketDir = socketDir;
  }

  /**
   * A namespace called {@code name}, loopback up; a leftover one of that name (a demo that was
   * killed) is deleted first, and the processes still in it are killed.
   */
  public static DemoNamespace create(String name, Path socketDir) throws IOException {
    deleteLeftover(name);
    run(List.of("ip", "netns", "add", name));
    DemoNamespace namespace = new DemoNamespace(name, socketDir);
    namespace.exec("ip", "link", "set", "lo", "up");
    return namespace;
  }

  /** Deletes namespace {@code name} if it exists, killing what still runs in it. */
  static void deleteLeftover(String name) throws IOException {
    Output list = runAllowingFailure(List.of("ip", "netns", "list"));
    boolean exists =
        list.stdout().lines().map(line -> line.split("\\s+")[0]).anyMatch(name::equals);
    if (!exists) {
      return;
    }
    for (String pid :
        runAllowingFailure(List.of("ip", "netns", "pids", name)).stdout().split("\\s+")) {
      if (!pid.isBlank()) {
        ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    run(List.of("ip", "netns", "del", name));
  }

  /** A veth pair between two namespaces, created inside them, an IPv4 address on each end, up. */
  public static void link(DemoNamespace a, String cidrA, DemoNamespace b, String cidrB)
      throws IOException {
    String suffix = Integer.toString(Math.floorMod((a.name + b.name).hashCode(), 1_000_000));
    String ifA = "at" + suffix + "a";
    String ifB = "at" + suffix + "b";
    run(
        List.of(
            "ip", "link", "add", ifA, "netns", a.name, "type", "veth", "peer", "name", ifB, "netns",
            b.name));
    a.exec("ip", "addr", "add", cidrA, "dev", ifA);
    b.exec("ip", "addr", "add", cidrB, "dev", ifB);
    a.exec("ip", "link", "set", ifA, "up");
    b.exec("ip", "link", "set", ifB, "up");
  }

  public String name() {
    return name;
  }

  /** Runs a command in the namespace to completion; fails unless it exits 0. */
  public Output exec(String... command) throws IOException {
    return run(inNamespace(List.of(command)));
  }

  /** Starts a long-running command in the namespace, output in {@code log}; stopped by close. */
  public Process start(List<String> command, Path log) throws IOException {
    Process process =
        new ProcessBuilder(inNamespace(command))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    synchronized (started) {
      started.add(process);
    }
    return process;
  }

  /**
   * Makes {@code 127.0.0.1:port} in this namespace reach {@code 127.0.0.1:port} of the host's
   * namespace (the control plane's xDS port, another workload's inbound listener).
   */
  public void reachHostLoopback(int port) throws IOException {
    Path socket = socketDir.resolve(name + "-to-host-" + port + ".sock");
    startBridge(
        List.of("unix-to-tcp", socket.toString(), "127.0.0.1", Integer.toString(port)), false);
    startBridge(List.of("tcp-to-unix", Integer.toString(port), socket.toString()), true);
  }

  /**
   * Makes {@code 127.0.0.1:hostPort} of the host's namespace reach {@code address:port} as seen
   * from this namespace: a connection the host makes arrives here as one this namespace's bridge
   * makes.
   */
  public void exposeOnHostLoopback(int hostPort, String address, int port) throws IOException {
    Path socket = socketDir.resolve(name + "-from-host-" + hostPort + ".sock");
    startBridge(List.of("unix-to-tcp", socket.toString(), address, Integer.toString(port)), true);
    startBridge(List.of("tcp-to-unix", Integer.toString(hostPort), socket.toString()), false);
  }

  private void startBridge(List<String> args, boolean inside) throws IOException {
    List<String> command = new ArrayList<>(List.of(python(), bridgeScript().toString()));
    command.addAll(args);
    Process process =
        new ProcessBuilder(inside ? inNamespace(command) : command)
            .redirectErrorStream(true)
            .start();
    synchronized (started) {
      started.add(process);
    }
    String first = readLine(process.getInputStream());
    if (!first.equals("listening")) {
      throw new IOException("bridge " + String.join(" ", args) + " did not start: " + first);
    }
  }

  private List<String> inNamespace(List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return full;
  }

  /** Stops what runs in the namespace (SIGTERM, then SIGKILL after a grace) and deletes it. */
  @Override
  public void close() {
    synchronized (started) {
      started.forEach(Process::destroy);
      for (Process process : started) {
        try {
          if (!process.waitFor(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          process.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
      started.clear();
    }
    try {
      deleteLeftover(name);
    } catch (IOException e) {
      System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "netns " + name;
  }

  /** True when this process runs as root, which namespaces and iptables need. */
  public static boolean runningAsRoot() {
    try {
      return runAllowingFailure(List.of("id", "-u")).stdout().strip().equals("0");
    } catch (IOException e) {
      return false;
    }
  }

  /** What a finished command printed. */
  public record Output(int exitCode, String stdout, String stderr) {}

  static Output run(List<String> command) throws IOException {
    Output output = runAllowingFailure(command);
    if (output.exitCode() != 0) {
      throw new IOException(
          String.join(" ", command)
              + " exited "
              + output.exitCode()
              + ": "
              + output.stderr().strip()
              + output.stdout().strip());
    }
    return output;
  }

  static Output runAllowingFailure(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    CompletableFuture<String> stdout = drain(process.getInputStream());
    CompletableFuture<String> stderr = drain(process.getErrorStream());
    try {
      if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(
            String.join(" ", command) + ": no exit within " + COMMAND_TIMEOUT_SECONDS + " s");
      }
      return new Output(process.exitValue(), stdout.get(), stderr.get());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException(e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    return line.toString();
  }

  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  private static volatile Path bridgeScript;

  /** loopback_bridge.py as a file, written once per JVM. */
  private static synchronized Path bridgeScript() throws IOException {
    if (bridgeScript == null) {
      Path dir =
          Files.createTempDirectory(
              "attache-up-netns",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path file = dir.resolve("loopback_bridge.py");
      try (InputStream in = DemoNamespace.class.getResourceAsStream("loopback_bridge.py")) {
        if (in == null) {
          throw new IOException("no loopback_bridge.py beside " + DemoNamespace.class);
        }
        Files.copy(in, file);
      }
      file.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      bridgeScript = file;
    }
    return bridgeScript;
  }
}
