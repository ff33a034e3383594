package io.attache.bench.profile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Drives async-profiler (the {@code tools.profiler:async-profiler} jar on the bench class path
 * carries its native agent) inside a running JVM through {@code jcmd JVMTI.agent_load}: start a CPU
 * or allocation profile, dump it in collapsed form and as an HTML flame graph, stop. Unlike JFR's
 * execution samples it sees time in native code and the kernel, which on a loopback proxy is half
 * the work. Bench code only; attached only in a benchmark's profile mode (the proxy bench's {@code
 * --profile-s}, the control-plane bench's {@code --profile}).
 */
public final class AsyncProfiler {
  private static final long JCMD_TIMEOUT_SECONDS = 30;

  private final Path library;
  private final Path workDir;

  private AsyncProfiler(Path library, Path workDir) {
    this.library = library;
    this.workDir = workDir;
  }

  /** The agent extracted into {@code workDir}, or empty where the jar has none for this system. */
  public static Optional<AsyncProfiler> extract(Path workDir) throws IOException {
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
  public void start(long pid, String event) {
    String interval = event.equals("cpu") ? ",interval=200us" : "";
    agent(pid, "start,event=" + event + interval);
  }

  /** Writes what was sampled as collapsed stacks and a flame graph, then stops. */
  public void stop(long pid, Path collapsed, Path flameGraph) {
    agent(pid, "dump,collapsed,file=" + collapsed);
    agent(pid, "stop,file=" + flameGraph);
  }

  private void agent(long pid, String options) {
    // jcmd splits its arguments at '=' unless the whole option string is quoted.
    List<String> command =
        List.of(
            "jcmd",
            Long.toString(pid),
            "JVMTI.agent_load",
            library.toString(),
            "\"" + options + "\"");
    String out;
    Path output = workDir.resolve("jcmd.out");
    try {
      Process jcmd =
          new ProcessBuilder(command)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!jcmd.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        throw new IllegalStateException("jcmd timed out: " + String.join(" ", command));
      }
      out = Files.readString(output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
    if (!out.contains("return code: 0")) {
      throw new IllegalStateException("async-profiler " + options + " failed: " + out.strip());
    }
  }
}
