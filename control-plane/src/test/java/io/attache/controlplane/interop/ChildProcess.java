package io.attache.controlplane.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program the interop tests start as a separate process (grpc's own PSM interop programs, node),
 * with its output in a file the test can read and quote on failure. It is always ended by the test
 * that started it, by its own handle — never by name.
 */
final class ChildProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path output;

  private ChildProcess(String name, Process process, Path output) {
    this.name = name;
    this.process = process;
    this.output = output;
  }

  static ChildProcess start(String name, Path dir, Map<String, String> env, List<String> command)
      throws IOException {
    Path output = dir.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(env);
    return new ChildProcess(name, builder.start(), output);
  }

  /** The java command line for a main class on this test JVM's classpath. */
  static List<String> java(String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /** Waits (bounded) for the process to end; -1 if it is still running at the deadline. */
  int waitFor(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  boolean alive() {
    return process.isAlive();
  }

  String output() {
    try {
      return Files.exists(output) ? Files.readString(output) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For Awaitility's failFast: a process that died will not become ready. */
  void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(describe());
    }
  }

  /** What a failure message should carry: the process, its state and its last output. */
  String describe() {
    String out = output();
    return name
        + (process.isAlive() ? " (running)" : " (exited " + process.exitValue() + ")")
        + ":\n"
        + out.substring(Math.max(0, out.length() - 4000));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
