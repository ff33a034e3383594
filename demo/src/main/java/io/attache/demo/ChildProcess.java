package io.attache.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Attaché binary (or, with {@code --with-envoy}, a stock Envoy) run as its own process,
 * as a user runs it, its output in a log file. Stopping sends SIGTERM (the binaries drain and exit
 * 0 on it) and only forces after a grace period. Never leaves a process behind: the JVM's shutdown
 * hook stops whatever is still running.
 */
public final class ChildProcess implements AutoCloseable {

  private static final long GRACE_SECONDS = 15;

  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Runs {@code java <javaOptions> -jar <jar> <args>} with its output in {@code log}. */
  public static ChildProcess start(
      String name, Path jar, List<String> javaOptions, List<String> args, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(javaOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(args);
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ChildProcess(name, process, log);
  }

  /** Runs {@code command} as it is (a native binary, e.g. a stock Envoy), output in {@code log}. */
  public static ChildProcess startBinary(String name, List<String> command, Path log)
      throws IOException {
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ChildProcess(name, process, log);
  }

  public String name() {
    return name;
  }

  public Path log() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGTERM, then wait for the drain; returns the exit code (or -1 if it had to be killed). */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
        return;
      }
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** The exit code once the process has ended. */
  public int exitValue() {
    return process.exitValue();
  }
}
