package io.attache.netns;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A Linux network namespace ({@code ip netns add}) with loopback up, the processes started in it
 * and the Unix-socket bridges that join its loopback to the host's. Commands run in it through
 * {@code ip netns exec}. Closing it stops every process it started (SIGTERM, then SIGKILL after a
 * grace), kills what else still runs in it, and deletes it — its interfaces and iptables rules go
 * with it. Used by {@code ./attache up --transparent} and by the root-only interception tests.
 * Never adds an interface, a route or a rule to the host's own namespace: the host side of a bridge
 * is a Unix socket and a process on the host's loopback. Needs root.
 */
public final class NetworkNamespace implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final String BRIDGE = "loopback_bridge.py";

  private final String name;
  private final List<Process> started = new ArrayList<>();

  private NetworkNamespace(String name) {
    this.name = name;
  }

  /** A new namespace named {@code <prefix>-<random>}, loopback up. */
  public static NetworkNamespace create(String prefix) throws IOException {
    return createNamed(prefix + "-" + Integer.toHexString(RANDOM.nextInt(1 << 24)));
  }

  /**
   * A namespace called exactly {@code name}, loopback up; a leftover one of that name (from a run
   * that was killed) is deleted first, with the processes still in it.
   */
  public static NetworkNamespace createNamed(String name) throws IOException {
    deleteIfPresent(name);
    run(List.of("ip", "netns", "add", name));
    NetworkNamespace namespace = new NetworkNamespace(name);
    namespace.exec("ip", "link", "set", "lo", "up");
    return namespace;
  }

  /**
   * A veth pair between two namespaces, created inside them (never in the host's), with an IPv4
   * address and prefix on each end, both up.
   */
  public static void link(NetworkNamespace a, String cidrA, NetworkNamespace b, String cidrB)
      throws IOException {
    String suffix = Integer.toHexString(RANDOM.nextInt(1 << 20));
    String ifA = "va" + suffix;
    String ifB = "vb" + suffix;
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

  /** {@code command} prefixed so that it runs in this namespace. */
  public List<String> inNamespace(List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return full;
  }

  /** Runs a command in the namespace to completion; fails unless it exits 0. */
  public Output exec(String... command) throws IOException {
    return run(inNamespace(List.of(command)));
  }

  /** Runs a command in the namespace to completion, whatever its exit code. */
  public Output execAllowingFailure(String... command) throws IOException {
    return runAllowingFailure(inNamespace(List.of(command)));
  }

  /**
   * Starts a long-running command in the namespace, its output readable from the process; it is
   * stopped when the namespace closes.
   */
  public Process start(String... command) throws IOException {
    return track(new ProcessBuilder(inNamespace(List.of(command))).redirectErrorStream(true));
  }

  /** Starts a long-running command in the namespace, its output in {@code log}. */
  public Process start(List<String> command, Path log) throws IOException {
    return track(
        new ProcessBuilder(inNamespace(command))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile()));
  }

  /**
   * Starts a server in the namespace that prints {@code listening} once it listens (this package's
   * {@link #script scripts} do) and returns once it does; stopped when the namespace closes.
   */
  public Process startListening(String... command) throws IOException {
    Process process = start(command);
    awaitListening(process, String.join(" ", command));
    return process;
  }

  /**
   * Makes {@code 127.0.0.1:port} inside this namespace reach {@code 127.0.0.1:port} of the host's
   * namespace (a control plane's xDS port, another workload's listener) through a Unix socket in
   * {@code socketDir}: a file, so both namespaces see it.
   */
  public void reachHostLoopback(int port, Path socketDir) throws IOException {
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
  public void exposeOnHostLoopback(int hostPort, String address, int port, Path socketDir)
      throws IOException {
    Path socket = socketDir.resolve(name + "-from-host-" + hostPort + ".sock");
    startBridge(List.of("unix-to-tcp", socket.toString(), address, Integer.toString(port)), true);
    startBridge(List.of("tcp-to-unix", Integer.toString(hostPort), socket.toString()), false);
  }

  private void startBridge(List<String> args, boolean inside) throws IOException {
    List<String> command = new ArrayList<>(List.of(python(), script(BRIDGE).toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(inside ? inNamespace(command) : command);
    Process process = track(builder.redirectErrorStream(true));
    awaitListening(process, "bridge " + String.join(" ", args));
  }

  private Process track(ProcessBuilder builder) throws IOException {
    Process process = builder.start();
    synchronized (started) {
      started.add(process);
    }
    return process;
  }

  private static void awaitListening(Process process, String what) throws IOException {
    String first = readLine(process.getInputStream());
    if (!first.startsWith("listening")) {
      throw new IOException(what + " did not start: " + first);
    }
  }

  /** Stops what was started in the namespace, kills what else runs in it, and deletes it. */
  @Override
  public void close() {
    synchronized (started) {
      started.forEach(Process::destroy);
      for (Process process : started) {
        try {
          if (!process.waitFor(STOP_GRACE.toSeconds(), TimeUnit.SECONDS)) {
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
      deleteIfPresent(name);
    } catch (IOException e) {
      System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
    }
  }

  /** Deletes namespace {@code name} if it exists, killing what still runs in it. */
  static void deleteIfPresent(String name) throws IOException {
    boolean exists =
        runAllowingFailure(List.of("ip", "netns", "list"))
            .stdout()
            .lines()
            .map(line -> line.split("\\s+")[0])
            .anyMatch(name::equals);
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

  /**
   * The system's Python, which every uid may run (a Python under /root, e.g. pyenv's shim, is not
   * executable for a proxy's uid).
   */
  public static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /** What a finished command printed. */
  public record Output(int exitCode, String stdout, String stderr) {}

  /** Runs a command (in the host's namespace) to completion; fails unless it exits 0. */
  public static Output run(List<String> command) throws IOException {
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

  /** Runs a command (in the host's namespace) to completion, whatever its exit code. */
  public static Output runAllowingFailure(List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    CompletableFuture<String> stdout = drain(process.getInputStream());
    CompletableFuture<String> stderr = drain(process.getErrorStream());
    try {
      if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no exit within " + COMMAND_TIMEOUT);
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

  /** The first line a process prints (without its newline). */
  public static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    return line.toString();
  }

  private static volatile Path scriptDir;

  /** This package's {@code loopback_bridge.py} as a world-readable file; see {@link #script}. */
  static Path script(String name) throws IOException {
    return script(NetworkNamespace.class, name);
  }

  /**
   * The resource {@code name} beside {@code anchor} (a Python helper) as a world-readable file,
   * written once per JVM, so any uid can run it with {@link #python()}.
   */
  public static Path script(Class<?> anchor, String name) throws IOException {
    Path dir = scriptDir;
    if (dir == null) {
      synchronized (NetworkNamespace.class) {
        if (scriptDir == null) {
          Path created =
              Files.createTempDirectory(
                  "attache-netns",
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rwxr-xr-x")));
          created.toFile().deleteOnExit();
          scriptDir = created;
        }
        dir = scriptDir;
      }
    }
    Path file = dir.resolve(name);
    synchronized (NetworkNamespace.class) {
      if (!Files.exists(file)) {
        try (InputStream in = anchor.getResourceAsStream(name)) {
          if (in == null) {
            throw new IOException("no script " + name + " beside " + anchor);
          }
          Files.copy(in, file);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        file.toFile().deleteOnExit();
      }
    }
    return file;
  }
}
