package io.attache.logging;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where application-log lines go: standard error, or Envoy's {@code --log-path} file, appended to
 * and reopened on request (log rotation, the proxy's {@code /reopen_logs}). Writes are serialised
 * and flushed line by line, so a crash loses nothing already logged; logging is rare enough on
 * Attaché's hot paths (debug is off by default) that this is not where time goes.
 */
final class LogSink {
  private final Optional<Path> path;
  private final PrintStream stderr;
  private OutputStream out;

  private LogSink(Optional<Path> path, PrintStream stderr, OutputStream out) {
    this.path = path;
    this.stderr = stderr;
    this.out = out;
  }

  static LogSink stderr(PrintStream stderr) {
    return new LogSink(Optional.empty(), stderr, stderr);
  }

  /** Opens (appends to) {@code path}; fails when it cannot be opened. */
  static LogSink file(Path path, PrintStream stderr) throws IOException {
    return new LogSink(Optional.of(path), stderr, open(path));
  }

  private static OutputStream open(Path path) throws IOException {
    return new BufferedOutputStream(new FileOutputStream(path.toFile(), true));
  }

  Optional<Path> path() {
    return path;
  }

  synchronized void write(String line) {
    try {
      out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      stderr.println("attache: cannot write the log file " + path.orElse(null) + ": " + e);
    }
  }

  /** Closes and opens the file again (a rotated file is replaced by a fresh one). */
  synchronized void reopen() {
    if (path.isEmpty()) {
      return;
    }
    try {
      out.close();
    } catch (IOException e) {
      // the next open decides whether logging can go on
    }
    try {
      out = open(path.get());
    } catch (IOException e) {
      out = stderr;
      stderr.println("attache: cannot reopen " + path.get() + ", logging to stderr: " + e);
    }
  }

  synchronized void close() {
    if (path.isPresent()) {
      try {
        out.close();
      } catch (IOException e) {
        // closing on shutdown or reconfiguration; nothing left to tell
      }
    }
  }
}
