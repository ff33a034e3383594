package io.attache.bench.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The 1/5/15-minute load averages from Linux's {@code /proc/loadavg}: how busy the shared machine
 * was, printed beside every figure so a reader can tell a slow run from a loaded machine.
 */
public record LoadAverage(double oneMinute, double fiveMinutes, double fifteenMinutes) {

  static final LoadAverage UNKNOWN = new LoadAverage(Double.NaN, Double.NaN, Double.NaN);

  public static LoadAverage read() {
    Path file = Path.of("/proc/loadavg");
    if (!Files.isReadable(file)) {
      return UNKNOWN;
    }
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a {@code /proc/loadavg} line: {@code "0.52 0.58 0.59 2/345 12345"}. */
  static LoadAverage parse(String procLoadavg) {
    String[] fields = procLoadavg.trim().split("\\s+");
    if (fields.length < 3) {
      throw new IllegalArgumentException("not a /proc/loadavg line: " + procLoadavg);
    }
    return new LoadAverage(
        Double.parseDouble(fields[0]),
        Double.parseDouble(fields[1]),
        Double.parseDouble(fields[2]));
  }

  public String describe() {
    return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", oneMinute, fiveMinutes, fifteenMinutes);
  }
}
