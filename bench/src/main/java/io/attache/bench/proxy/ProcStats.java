package io.attache.bench.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time and resident memory of a process tree, from Linux's {@code /proc/<pid>/stat} (utime +
 * stime, in clock ticks) and {@code /proc/<pid>/status} ({@code VmRSS}). Only reads; a process that
 * exits between listing and reading counts as zero rather than failing the run.
 */
public final class ProcStats {
  /** USER_HZ: 100 on every Linux ABI the proxy runs on (sysconf(_SC_CLK_TCK)). */
  static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {}

  /** CPU seconds (user + system) used so far by {@code process} and all its descendants. */
  public static double cpuSeconds(ProcessHandle process) {
    double total = 0;
    for (ProcessHandle p : tree(process)) {
      total += read(Path.of("/proc", Long.toString(p.pid()), "stat")).map(ProcStats::cpuTicks);
    }
    return total / TICKS_PER_SECOND;
  }

  /** Resident set size in bytes of {@code process} plus its descendants. */
  public static long rssBytes(ProcessHandle process) {
    long total = 0;
    for (ProcessHandle p : tree(process)) {
      total += read(Path.of("/proc", Long.toString(p.pid()), "status")).map(ProcStats::vmRssBytes);
    }
    return total;
  }

  /**
   * Proportional set size in bytes of {@code process} plus its descendants, from {@code
   * /proc/<pid>/smaps_rollup}; 0 where the kernel has no such file.
   */
  public static long pssBytes(ProcessHandle process) {
    long total = 0;
    for (ProcessHandle p : tree(process)) {
      total +=
          read(Path.of("/proc", Long.toString(p.pid()), "smaps_rollup")).map(ProcStats::pssBytes);
    }
    return total;
  }

  /** {@code Pss} from a {@code /proc/<pid>/smaps_rollup} text, in bytes; 0 when absent. */
  static long pssBytes(String smapsRollup) {
    return kilobyteField(smapsRollup, "Pss:");
  }

  private static List<ProcessHandle> tree(ProcessHandle process) {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(process);
    process.descendants().forEach(all::add);
    return all;
  }

  /** utime + stime from one {@code /proc/<pid>/stat} line, in clock ticks. */
  static long cpuTicks(String statLine) {
    // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    int afterName = statLine.lastIndexOf(')');
    if (afterName < 0) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + statLine);
    }
    String[] fields = statLine.substring(afterName + 2).trim().split(" ");
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  /** {@code VmRSS} from a {@code /proc/<pid>/status} text, in bytes; 0 when absent. */
  static long vmRssBytes(String status) {
    return kilobyteField(status, "VmRSS:");
  }

  private static long kilobyteField(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name)) {
        String[] parts = line.substring(name.length()).trim().split("\\s+");
        long value = Long.parseLong(parts[0]);
        return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
      }
    }
    return 0;
  }

  private static Readout read(Path file) {
    try {
      return new Readout(Files.readString(file));
    } catch (java.nio.file.NoSuchFileException gone) {
      return new Readout(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A /proc file's text, or nothing when the process has gone. */
  private record Readout(String text) {
    long map(java.util.function.ToLongFunction<String> parser) {
      return text == null ? 0 : parser.applyAsLong(text);
    }
  }
}
