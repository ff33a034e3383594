package io.attache.testing.netns;

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
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates ({@code ip netns add}), with loopback up; commands run in it
 * through {@code ip netns exec}. Closing it stops every process started in it and deletes it, so
 * nothing a test does ever touches the host's own namespace. Needs root; see {@link
 * NetnsExtension}.
 */
public final class NetworkNamespace implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final List<Process> started = new ArrayList<>();

  private NetworkNamespace(String name) {
    this.name = name;
  }

  /** A new namespace named {@code <prefix>-<random>}, loopback up. */
  public static NetworkNamespace create(String prefix) throws IOException {
    String name = prefix + "-" + Integer.toHexString(RANDOM.nextInt(1 << 24));
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

  /** Runs a command in the namespace to completion; fails unless it exits 0. */
  public Output exec(String... command) throws IOException {
    return run(inNamespace(List.of(command)));
  }

  /** Runs a command in the namespace to completion, whatever its exit code. */
  public Output execAllowingFailure(String... command) throws IOException {
    return runAllowingFailure(inNamespace(List.of(command)));
  }

  /** Starts a long-running command in the namespace; it is stopped when the namespace closes. */
  public Process start(String... command) throws IOException {
    Process process =
        new ProcessBuilder(inNamespace(List.of(command))).redirectErrorStream(true).start();
    synchronized (started) {
      started.add(process);
    }
    return process;
  }

  /**
   * Starts a server in the namespace (one of this package's {@link #script scripts}, which print
   * {@code listening} once they listen) and returns once it listens; it is stopped when the
   * namespace closes.
   */
  public Process startListening(String... command) throws IOException {
    Process process = start(command);
    awaitListening(process, String.join(" ", command));
    return process;
  }

  /**
   * Starts the TCP probe server (tcp_probe.py) on {@code address:port}, answering with {@code
   * label} and the original destination, and returns once it listens.
   */
  public Process startProbe(String address, int port, String label) throws IOException {
    Process process =
        start(
            python(),
            probeScript().toString(),
            "serve",
            address,
            Integer.toString(port),
            label,
            "--max-seconds",
            "600");
    String first = readLine(process.getInputStream());
    if (!first.startsWith("listening")) {
      throw new IOException("probe " + label + " did not start: " + first);
    }
    return process;
  }

  /**
   * Calls the probe at {@code host:port} from this namespace, as {@code uid} when given (the probe
   * is Python so it runs as any user): the server's answer line, or {@code ERROR ...}.
   */
  public String callProbe(String host, int port, Long uid) throws IOException {
    List<String> command = new ArrayList<>();
    if (uid != null) {
      command.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    command.addAll(
        List.of(python(), probeScript().toString(), "call", host, Integer.toString(port)));
    return runAllowingFailure(inNamespace(command)).stdout().strip();
  }

  /**
   * The system's Python, which every uid may run (a Python under /root, e.g. pyenv's shim, is not
   * executable for the proxy's uid).
   */
  public static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  /**
   * Makes {@code 127.0.0.1:port} inside this namespace reach {@code 127.0.0.1:port} of the host's
   * namespace (a server the test runs in its own JVM, e.g. a control plane), through a Unix socket
   * in {@code socketDir}: a file, so both namespaces see it, and nothing is added to the host's
   * network namespace. Both bridge processes stop when this namespace closes.
   */
  public void reachHostLoopback(int port, Path socketDir) throws IOException {
    Path socket = socketDir.resolve(name + "-" + port + ".sock");
    Process host =
        new ProcessBuilder(
                python(),
                script("loopback_bridge.py").toString(),
                "unix-to-tcp",
                socket.toString(),
                Integer.toString(port))
            .redirectErrorStream(true)
            .start();
    synchronized (started) {
      started.add(host);
    }
    awaitListening(host, "host side of the bridge to port " + port);
    Process inside =
        start(
            python(),
            script("loopback_bridge.py").toString(),
            "tcp-to-unix",
            Integer.toString(port),
            socket.toString());
    awaitListening(inside, "namespace side of the bridge to port " + port);
  }

  private static void awaitListening(Process process, String what) throws IOException {
    String first = readLine(process.getInputStream());
    if (!first.equals("listening")) {
      throw new IOException(what + " did not start: " + first);
    }
  }

  private List<String> inNamespace(List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return full;
  }

  @Override
  public void close() {
    synchronized (started) {
      for (Process process : started) {
        process.destroy();
      }
      for (Process process : started) {
        try {
          if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      started.clear();
    }
    try {
      runAllowingFailure(List.of("ip", "netns", "del", name));
    } catch (IOException e) {
      System.err.println("could not delete network namespace " + name + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "netns " + name;
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
    var stdout = drain(process.getInputStream());
    var stderr = drain(process.getErrorStream());
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
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IOException(e);
    }
  }

  private static java.util.concurrent.CompletableFuture<String> drain(InputStream stream) {
    return java.util.concurrent.CompletableFuture.supplyAsync(
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

  private static volatile Path scriptDir;

  /**
   * One of this package's Python helpers ({@code tcp_probe.py}, {@code echo_server.py}, {@code
   * http_call.py}, {@code loopback_bridge.py}) as a world-readable file, written once per JVM, so
   * any uid can run it with {@link #python()}.
   */
  public static Path script(String name) throws IOException {
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
        try (InputStream in = NetworkNamespace.class.getResourceAsStream(name)) {
          if (in == null) {
            throw new IOException("no script " + name + " in " + NetworkNamespace.class);
          }
          Files.copy(in, file);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        file.toFile().deleteOnExit();
      }
    }
    return file;
  }

  private static Path probeScript() throws IOException {
    return script("tcp_probe.py");
  }
}
