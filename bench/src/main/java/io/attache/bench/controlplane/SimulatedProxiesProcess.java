package io.attache.bench.controlplane;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The harness's handle on a {@link SimulatedProxies} child JVM: starts it on the harness's own
 * classpath, waits for its messages with a deadline each, and kills it on {@link #close()}. Every
 * wait is bounded; a child that fails, exits or falls silent fails the run instead of hanging it.
 */
final class SimulatedProxiesProcess implements AutoCloseable {
  private static final String EXITED = "\u0000exited";

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final OutputStream commands;

  private SimulatedProxiesProcess(Process process) {
    this.process = process;
    this.commands = process.getOutputStream();
    Thread reader = new Thread(this::readLines, "simulated-proxies-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  static SimulatedProxiesProcess start(
      List<String> javaOptions, List<String> arguments, List<ProcessHandle> startedRegistry)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(javaOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(SimulatedProxies.class.getName());
    command.addAll(arguments);
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    startedRegistry.add(process.toHandle());
    return new SimulatedProxiesProcess(process);
  }

  long pid() {
    return process.pid();
  }

  /** Waits until every proxy has ACKed its initial config. */
  void awaitReady(Duration timeout) {
    expect(ChildMessage.Kind.READY, timeout, "every proxy's initial config");
  }

  /** Starts a round: from now on each proxy counts its first ACK of a new route configuration. */
  void arm(Duration timeout) {
    send("ARM");
    expect(ChildMessage.Kind.ARMED, timeout, "ARMED");
  }

  /** Waits for the round's end; returns the {@code System.nanoTime()} of the last ACK. */
  long awaitLastAck(Duration timeout) {
    return expect(ChildMessage.Kind.DONE, timeout, "the last proxy's ACK").value();
  }

  private ChildMessage expect(ChildMessage.Kind kind, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line;
      try {
        line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
      if (line == null) {
        throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s");
      }
      if (line.equals(EXITED)) {
        throw new IllegalStateException(
            "the simulated proxies exited while waiting for " + what + " (see stderr)");
      }
      ChildMessage message = ChildMessage.parse(line);
      if (message.kind() == kind) {
        return message;
      }
      if (message.kind() == ChildMessage.Kind.FAILED) {
        throw new IllegalStateException("the simulated proxies failed: " + message.text());
      }
      System.err.println("simulated proxies: " + line);
    }
  }

  private void send(String command) {
    try {
      commands.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      commands.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("the simulated proxies no longer read commands", e);
    }
  }

  private void readLines() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        lines.add(line);
      }
    } catch (IOException e) {
      // The process is gone; EXITED below says so.
    }
    lines.add(EXITED);
  }

  /** Asks the child to quit, then kills it if it has not within 5 s. */
  @Override
  public void close() {
    try {
      send("QUIT");
      commands.close();
    } catch (IOException | UncheckedIOException alreadyGone) {
      // Killed below if still there.
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
