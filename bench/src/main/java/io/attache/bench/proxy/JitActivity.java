package io.attache.bench.proxy;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * How long a JVM's JIT compilers have worked so far, read with {@code jcmd <pid> PerfCounter.print}
 * ({@code java.ci.totalTime} in ticks of {@code sun.os.hrt.frequency}). The harness warms an
 * Attaché contestant until this stops growing: a round measured while C2 still compiles measures
 * the compiler competing for the two cores, not the proxy. Reads only.
 */
final class JitActivity {
  private JitActivity() {}

  /** Compile time so far in a running JVM, or empty if jcmd cannot tell. */
  static OptionalLong compileMillis(java.nio.file.Path workDir, long pid) {
    try {
      return parse(
          Commands.run(
              workDir,
              List.of("jcmd", Long.toString(pid), "PerfCounter.print"),
              Duration.ofSeconds(20)));
    } catch (RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  static OptionalLong parse(String perfCounters) {
    OptionalLong ticks = counter(perfCounters, "java.ci.totalTime");
    OptionalLong frequency = counter(perfCounters, "sun.os.hrt.frequency");
    if (ticks.isEmpty() || frequency.isEmpty() || frequency.getAsLong() <= 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(ticks.getAsLong() * 1000 / frequency.getAsLong());
  }

  private static OptionalLong counter(String perfCounters, String name) {
    for (String line : perfCounters.split("\n")) {
      String l = line.strip();
      if (l.startsWith(name + "=")) {
        try {
          return OptionalLong.of(Long.parseLong(l.substring(name.length() + 1).strip()));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
