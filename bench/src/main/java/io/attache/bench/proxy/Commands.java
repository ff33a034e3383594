package io.attache.bench.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command to completion within a deadline and returns what it printed (stdout and
 * stderr merged). A command that overruns is killed, with its children, and reported as a failure:
 * nothing the harness starts may outlive its time budget.
 */
final class Commands {
  private Commands() {}

  static String run(Path workDir, List<String> command, Duration timeout) {
    Path output = null;
    Process process = null;
    try {
      output = Files.createTempFile(workDir, "cmd-", ".out");
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process.toHandle());
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
      }
      return Files.readString(output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (process != null) {
        kill(process.toHandle());
      }
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // a leftover in the temp work dir is removed with the dir
        }
      }
    }
  }

  /** Best effort: the first line of {@code command}'s output, or "unknown" if it cannot run. */
  static String firstLine(Path workDir, String... command) {
    try {
      String out = run(workDir, List.of(command), Duration.ofSeconds(20)).strip();
      int newline = out.indexOf('\n');
      return newline < 0 ? out : out.substring(0, newline);
    } catch (RuntimeException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** SIGTERM to the tree, then SIGKILL to whatever is left after 3 s. */
  static void kill(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    root.descendants().forEach(tree::add);
    tree.add(root);
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    for (ProcessHandle p : tree) {
      while (p.isAlive() && System.nanoTime() < deadline) {
        try {
          p.onExit().get(50, TimeUnit.MILLISECONDS);
        } catch (Exception stillAlive) {
          // poll again until the deadline
        }
      }
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
