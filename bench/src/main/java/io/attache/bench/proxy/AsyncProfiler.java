package io.attache.bench.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Drives async-profiler (the {@code tools.profiler:async-profiler} jar on the bench class path
 * carries its native agent) inside a running JVM through {@code jcmd JVMTI.agent_load}: start a CPU
 * or allocation profile, dump it in collapsed form and as an HTML flame graph, stop. Unlike JFR's
 * execution samples it sees time in native code and the kernel, which on a loopback proxy is half
 * the work. Bench code only; never attached to a proxy outside {@code --profile-s}.
 */
final class AsyncProfiler {
  private final Path library;
  private final Path workDir;

  private AsyncProfiler(Path library, Path workDir) {
    this.library = library;
    this.workDir = workDir;
  }

  /** The agent extracted into {@code workDir}, or empty where the jar has none for this system. */
  static Optional<AsyncProfiler> extract(Path workDir) throws IOException {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux")) {
      return Optional.empty();
    }
    String resource =
        switch (arch) {
          case "amd64", "x86_64" -> "linux-x64/libasyncProfiler.so";
          case "aarch64", "arm64" -> "linux-arm64/libasyncProfiler.so";
          default -> null;
        };
    if (resource == null) {
      return Optional.empty();
    }
    try (InputStream in = AsyncProfiler.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        return Optional.empty();
      }
      Path library = workDir.resolve("libasyncProfiler.so");
      Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
      return Optional.of(new AsyncProfiler(library, workDir));
    }
  }

  /** Starts sampling {@code event} ({@code cpu} or {@code alloc}) in the JVM {@code pid}. */
  void start(long pid, String event) {
    String interval = event.equals("cpu") ? ",interval=200us" : "";
    agent(pid, "start,event=" + event + interval);
  }

  /** Writes what was sampled as collapsed stacks and a flame graph, then stops. */
  void stop(long pid, Path collapsed, Path flameGraph) {
    agent(pid, "dump,collapsed,file=" + collapsed);
    agent(pid, "stop,file=" + flameGraph);
  }

  private void agent(long pid, String options) {
    // jcmd splits its arguments at '=' unless the whole option string is quoted.
    String out =
        Commands.run(
            workDir,
            List.of(
                "jcmd",
                Long.toString(pid),
                "JVMTI.agent_load",
                library.toString(),
                "\"" + options + "\""),
            Duration.ofSeconds(30));
    if (!out.contains("return code: 0")) {
      throw new IllegalStateException("async-profiler " + options + " failed: " + out.strip());
    }
  }
}
